// The zod schema of variables (`variables:`) and key-value stores (`keyValue:`), at app level and per
// service, with Spin's naming rules, plus the cross-checks (a service reads only what the app declares).

import * as z from 'zod';
import { objectName, withFix } from './kubernetes-fields.ts';

/**
 * Spin's variable name rule: lowercase ASCII letters, digits and single underscores, starting with a
 * letter and not ending with `_` (so `SPIN_VARIABLE_API_KEY` maps back to exactly one name).
 * @see https://spinframework.dev/v3/variables
 */
export const VARIABLE_NAME_PATTERN = '^[a-z](_?[a-z0-9])*$';
const VARIABLE_FIX =
  "use lowercase letters, digits and single '_', starting with a letter, e.g. api_key (the environment spells it WASMKUBE_VAR_API_KEY)";

/** Store names: what a guest passes to wasi:keyvalue/store.open (Spin's label rule). */
export const STORE_NAME_PATTERN = '^[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';
const STORE_FIX = "use lowercase letters, digits, '-' and '_', e.g. default";

const variableName = z.string().regex(new RegExp(VARIABLE_NAME_PATTERN), {
  error: withFix('is not a valid variable name', VARIABLE_FIX),
});
const storeName = z.string().regex(new RegExp(STORE_NAME_PATTERN), {
  error: withFix('is not a valid key-value store name', STORE_FIX),
});

export const VariableSchema = z
  .strictObject({
    default: z
      .string({ error: withFix('expected a string', 'quote it: default: "10"') })
      .optional()
      .meta({ description: 'Value when neither .env nor the environment sets one.' }),
    required: z
      .boolean()
      .optional()
      .meta({ description: 'Start-up fails when no value is set.', default: false }),
    secret: z.boolean().optional().meta({
      description:
        'Never logged, never in /metrics, an error or the image; `k8s render` puts it in a Secret.',
      default: false,
    }),
    secretRef: z
      .strictObject({
        name: objectName('Secret name', 'shop-secrets'),
        key: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'Key in the Secret; default: the variable name.' }),
      })
      .optional()
      .meta({ description: 'k8s render: read it from this existing Secret instead of making one.' }),
  })
  .superRefine((v, ctx) => {
    if (v.default !== undefined && v.required) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: 'a required variable has no default',
        params: { fix: 'remove default, or required: true' },
      });
    }
    if (v.default !== undefined && v.secret) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: 'a secret cannot have a default: it would be written into the manifest and the image',
        params: { fix: 'remove default and set it in .env or WASMKUBE_VAR_NAME' },
      });
    }
    if (v.secretRef !== undefined && !v.secret) {
      ctx.addIssue({
        code: 'custom',
        path: ['secretRef'],
        message: 'secretRef is for secret variables',
        params: { fix: 'add secret: true' },
      });
    }
  });

export const VariablesSchema = z
  .record(variableName, VariableSchema, {
    error: withFix('expected a map of variable names', 'write variables: { api_key: { secret: true } }'),
  })
  .meta({ description: 'Variables of the app; each service lists those it may read.' });

/** A string, or a reference to a key of an existing Secret (Kubernetes only). */
const RedisUrl = z.union(
  [
    z.string().regex(/^rediss?:\/\//, {
      error: withFix('is not a Redis URL', 'write redis://host:6379 or rediss://host:6380'),
    }),
    z.strictObject({ secret: objectName('Secret name', 'shop-redis'), key: z.string().min(1) }),
  ],
  {
    error: withFix(
      'expected a Redis URL or { secret, key }',
      'write url: redis://redis:6379, or url: { secret: shop-redis, key: url }',
    ),
  },
);

export const StoreSchema = z
  .strictObject({
    backend: z
      .enum(['sqlite', 'redis'], {
        error: withFix('expected sqlite or redis', 'use backend: sqlite (one host) or redis (shared)'),
      })
      .meta({ description: 'sqlite: a file under .wasmkube/state; redis: a server every replica shares.' }),
    url: RedisUrl.optional().meta({ description: 'redis only: the server URL, or a Secret key with it.' }),
  })
  .superRefine((s, ctx) => {
    if (s.backend === 'redis' && s.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'a redis store needs a url',
        params: { fix: 'write url: redis://HOST:6379, or url: { secret: NAME, key: KEY }' },
      });
    }
    if (s.backend === 'sqlite' && s.url !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'a sqlite store has no url',
        params: { fix: 'remove url, or use backend: redis' },
      });
    }
  });

export const StoresSchema = z
  .record(storeName, StoreSchema, {
    error: withFix('expected a map of store names', 'write keyValue: { default: { backend: sqlite } }'),
  })
  .meta({ description: "Key-value store backends by name; a store no one configures is 'sqlite'." });

export const ServiceVariablesSchema = z
  .array(variableName, { error: withFix('expected a list of variable names', 'write variables: [api_key]') })
  .meta({ description: 'The app variables this service may read (wasi:config/store and its environment).' });

export const ServiceStoresSchema = z
  .array(storeName, { error: withFix('expected a list of store names', 'write keyValue: [default]') })
  .meta({ description: 'Key-value stores this service may open; opening any other is access-denied.' });

interface StateIssue {
  readonly path: PropertyKey[];
  readonly message: string;
  readonly params: { fix: string };
}

/** Services that name variables the app does not declare. */
export function stateProblems(
  variables: Readonly<Record<string, unknown>> | undefined,
  services: Readonly<Record<string, { variables?: readonly string[] | undefined }>>,
): StateIssue[] {
  const out: StateIssue[] = [];
  const declared = Object.keys(variables ?? {}).sort();
  for (const [name, service] of Object.entries(services)) {
    (service.variables ?? []).forEach((v, i) => {
      if (!declared.includes(v)) {
        out.push({
          path: ['services', name, 'variables', i],
          message: `service '${name}' reads variable '${v}', which the app does not declare`,
          params: {
            fix: `declare it under variables: (${v}: { default: "..." })${declared.length ? `, or use one of: ${declared.join(', ')}` : ''}`,
          },
        });
      }
    });
  }
  return out;
}
