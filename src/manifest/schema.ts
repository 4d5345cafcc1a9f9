// The zod schema of what users write in wasmkube.yaml: shapes, types and per-field checks, with the
// messages and fixes users see. Normalization (units, defaults) happens later, in normalize.ts.

import { posix } from 'node:path';
import * as z from 'zod';
import { WasmkubeError } from '../errors.ts';
import { DEFAULTS } from './defaults.ts';
import { DataSchema, FilesSchema } from './files-schema.ts';
import { AppKubernetesSchema } from './kubernetes-app-schema.ts';
import { environmentProblems } from './kubernetes-environments.ts';
import { ServiceKubernetesSchema, serviceKubernetesProblems } from './kubernetes-schema.ts';
import { DNS_LABEL_PATTERN } from './names.ts';
import { parseOutboundHost } from './outbound-hosts.ts';
import { parseRoute } from './routes.ts';
import { parseSource } from './source.ts';
import {
  ServiceStoresSchema,
  ServiceVariablesSchema,
  StoresSchema,
  stateProblems,
  VariablesSchema,
} from './state-schema.ts';
import { API_VERSION } from './types.ts';
import { DURATION_PATTERN, parseDuration, parseListen, parseSize, SIZE_PATTERN } from './units.ts';

/** Separates message and fix in a zod error string; zod carries one string, users need both parts. */
export const FIX_SEPARATOR = '\u001f';

/** A zod `error` string that carries a fix; issues.ts splits it again. */
export function withFix(message: string, fix: string): string {
  return `${message}${FIX_SEPARATOR}${fix}`;
}

/** Defaults as users would write them; the JSON Schema shows them and normalize.ts applies them. */
export { DEFAULTS };

const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** Runs a throwing parser as a zod check, turning its WasmkubeError into an issue with the same fix. */
function check<T>(parse: (value: T) => unknown) {
  return (value: T, ctx: z.RefinementCtx<T>): void => {
    try {
      parse(value);
    } catch (err) {
      if (!(err instanceof WasmkubeError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, params: { fix: err.fix } });
    }
  };
}

function fail(message: string, fix: string): never {
  throw new WasmkubeError('BAD_ARGUMENT', message, { fix });
}

function quote(value: string | number): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function integer(min: number, max: number, fix = `use a whole number from ${min} to ${max}`) {
  const error = withFix(`expected a whole number from ${min} to ${max}`, fix);
  return z.int({ error }).min(min, { error }).max(max, { error });
}

function nonEmpty(what: string, fix: string) {
  return z
    .string({ error: withFix(`expected ${what} (a string)`, fix) })
    .min(1, { error: withFix(`${what} is empty`, fix) });
}

/** A value in one of our units: a number or a string, checked by `parse` (which also enforces ranges). */
function unit(
  kind: 'size' | 'duration',
  description: string,
  fallback: string,
  parse: (value: string | number) => unknown,
) {
  const fix = kind === 'size' ? 'use a size such as 64Mi' : 'use a duration such as 500ms, 10s or 2m';
  const example =
    kind === 'size'
      ? 'a size such as 64Mi or a number of bytes'
      : 'a duration such as 10s or a number of milliseconds';
  return z
    .union(
      [
        z.number().meta({ type: 'integer', minimum: 0 }),
        z.string().meta({ pattern: kind === 'size' ? SIZE_PATTERN : DURATION_PATTERN }),
      ],
      {
        error: withFix(`expected ${example}`, fix),
      },
    )
    .superRefine(check(parse))
    .meta({ description, default: fallback });
}

function sizeBetween(min: number, max: number, range: string) {
  return (value: string | number): void => {
    const bytes = parseSize(value);
    if (bytes < min || bytes > max)
      fail(`${quote(value)} is out of range: must be ${range}`, `use a size ${range}`);
  };
}

function durationAtLeast(min: number) {
  return (value: string | number): void => {
    if (parseDuration(value) < min)
      fail(`${quote(value)} is too short: must be at least ${min}ms`, 'use a duration such as 10s');
  };
}

const ShutdownSchema = z
  .strictObject({
    drainDelay: unit(
      'duration',
      'How long /ready answers 503 while the listener still accepts connections.',
      DEFAULTS.drainDelay,
      parseDuration,
    ),
    gracePeriod: unit(
      'duration',
      'How long in-flight requests get to finish after the drain delay.',
      DEFAULTS.gracePeriod,
      parseDuration,
    ),
  })
  .partial();

const HttpSchema = z
  .strictObject({
    headersTimeout: unit(
      'duration',
      'Time to receive a whole request head, from the connection or the previous response (408 after).',
      DEFAULTS.headersTimeout,
      durationAtLeast(1),
    ),
    keepAliveTimeout: unit(
      'duration',
      'How long an idle keep-alive connection stays open between requests.',
      DEFAULTS.keepAliveTimeout,
      durationAtLeast(1),
    ),
    firstByteTimeout: unit(
      'duration',
      'How long a new connection may stay silent before its first byte.',
      DEFAULTS.firstByteTimeout,
      durationAtLeast(1),
    ),
    maxConnections: integer(1, 1_000_000, 'use a whole number such as 4096').meta({
      description: 'Open connections per worker; beyond it new connections are closed at once.',
      default: DEFAULTS.maxConnections,
    }),
    maxHeaderSize: unit(
      'size',
      'Largest request head (request line and headers), 1Ki to 1Mi; 431 beyond.',
      DEFAULTS.maxHeaderSize,
      sizeBetween(1024, 2 ** 20, 'from 1Ki to 1Mi'),
    ),
    maxUrlLength: unit(
      'size',
      'Longest request target (path and query), 256 to 1Mi; 414 beyond.',
      DEFAULTS.maxUrlLength,
      sizeBetween(256, 2 ** 20, 'from 256 to 1Mi'),
    ),
  })
  .partial();

const HostSchema = z
  .strictObject({
    listen: z
      .union([z.int().meta({ minimum: 0, maximum: 65535 }), z.string()], {
        error: withFix('expected host:port, :port or a port', 'use an address such as 127.0.0.1:8080'),
      })
      .superRefine(check(parseListen))
      .meta({
        description: "Address to listen on: host:port, ':port' (all interfaces) or a port.",
        default: DEFAULTS.listen,
      }),
    workers: z
      .union([z.literal('auto'), integer(1, 256, "use 'auto' or a whole number from 1 to 256")], {
        error: withFix(
          "expected 'auto' or a whole number from 1 to 256",
          "use 'auto' (one worker per CPU) or a number such as 4",
        ),
      })
      .meta({
        description: "Worker threads serving requests; 'auto' is one per CPU.",
        default: DEFAULTS.workers,
      }),
    shutdown: ShutdownSchema.meta({ description: 'Graceful shutdown on SIGTERM.' }),
    http: HttpSchema.meta({ description: 'Limits on client connections and request heads, per worker.' }),
  })
  .partial();

/** Toolchains `wasmkube build` runs itself (see src/build/toolchains.ts). */
export const TOOLCHAINS = ['ts', 'js', 'assemblyscript', 'c', 'rust', 'wat', 'spin'] as const;

const BuildSchema = z
  .strictObject({
    command: nonEmpty('a shell command', 'write the command that builds source, e.g. npm run build')
      .optional()
      .meta({ description: 'Shell command that produces the service source (any toolchain).' }),
    toolchain: z
      .enum(TOOLCHAINS, {
        error: withFix(`expected one of ${TOOLCHAINS.join(', ')}`, 'write e.g. toolchain: ts'),
      })
      .optional()
      .meta({
        description:
          'A toolchain wasmkube runs itself: ts/js (wasi:http component via componentize-js), spin (a Spin SDK JS guest), assemblyscript/c/rust (WAGI module), wat (hand-written component).',
      }),
    entry: nonEmpty('a source file', 'write entry: src/index.ts')
      .optional()
      .meta({ description: 'With toolchain: the main source file, relative to the manifest folder.' }),
    output: nonEmpty('a .wasm path', 'write output: dist/service.wasm, the same path as source')
      .optional()
      .meta({ description: 'With toolchain: where the .wasm goes. Default: the service source.' }),
    world: nonEmpty('a WIT world', 'write world: wasi:http/proxy@0.2.12').optional().meta({
      description:
        'With toolchain ts/js/wat: the WIT world to target. Default: wasmkube:guests/http-service@0.1.0 (wasi:http/proxy plus the environment).',
    }),
    workdir: nonEmpty('a folder', 'write a folder relative to the manifest, e.g. orders').optional().meta({
      description:
        'Folder to run the command in, relative to the manifest folder. Default: the manifest folder.',
    }),
    watch: z
      .array(nonEmpty('a glob', 'write a glob such as src/**'), {
        error: withFix('expected a list of globs', 'write watch: ["src/**"]'),
      })
      .optional()
      .meta({
        description:
          "Globs (relative to the manifest folder) of the build's inputs: a change to them means a rebuild. Default with a toolchain: the entry's folder.",
      }),
  })
  .superRefine((value, ctx) => {
    const issue = (path: string, message: string, fix: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message, params: { fix } });
    if (value.command === undefined && value.toolchain === undefined) {
      issue(
        'command',
        'needs a command or a toolchain',
        'write toolchain: ts and entry: src/index.ts, or command: npm run build',
      );
    }
    if (value.command !== undefined && value.toolchain !== undefined) {
      issue(
        'toolchain',
        'is given together with command',
        'keep one: a command, or a toolchain with its entry',
      );
    }
    if (value.toolchain !== undefined && value.entry === undefined) {
      issue(
        'entry',
        `is needed with toolchain ${value.toolchain}`,
        'write entry: the main source file, e.g. src/index.ts',
      );
    }
    if (value.toolchain === undefined) {
      for (const key of ['entry', 'output', 'world'] as const) {
        if (value[key] !== undefined)
          issue(key, 'only applies with a toolchain', `remove ${key}, or write toolchain:`);
      }
    }
    if (value.toolchain !== undefined && value.workdir !== undefined) {
      issue(
        'workdir',
        'only applies with a command',
        'remove workdir: paths of a toolchain build are relative to the manifest',
      );
    }
  });

const LimitsSchema = z
  .strictObject({
    memory: unit(
      'size',
      'Cap on the guest linear memory (64Ki to 4Gi).',
      DEFAULTS.memory,
      sizeBetween(2 ** 16, 2 ** 32, 'from 64Ki to 4Gi'),
    ),
    timeout: unit('duration', 'Request deadline.', DEFAULTS.timeout, durationAtLeast(1)),
    maxBodySize: unit('size', 'Largest request body accepted.', DEFAULTS.maxBodySize, parseSize),
    concurrency: integer(1, 1_000_000).meta({
      description: 'Max in-flight requests for this service per worker.',
      default: DEFAULTS.concurrency,
    }),
  })
  .partial();

const KubernetesSchema = ServiceKubernetesSchema.superRefine((value, ctx) => {
  for (const problem of serviceKubernetesProblems(value)) {
    ctx.addIssue({
      code: 'custom',
      path: problem.path,
      message: problem.message,
      params: { fix: problem.fix },
    });
  }
});

export const ServiceSchema = z
  .strictObject({
    source: nonEmpty('a path or oci:// reference', 'write source: path/to/service.wasm')
      .superRefine(check(parseSource))
      .meta({
        description: 'The .wasm file, relative to the manifest folder, or oci://registry/repository:tag.',
      }),
    build: BuildSchema.optional().meta({
      description: 'How `wasmkube build` and `wasmkube up` make source.',
    }),
    routes: z
      .array(
        z
          .string({ error: withFix('expected a path', "write a path such as '/orders'") })
          .superRefine(check(parseRoute)),
        {
          error: withFix('expected a list of paths', 'write routes: ["/orders"]'),
        },
      )
      .min(1, {
        error: withFix('needs at least one route', 'write routes: ["/orders"], or ["/..."] for everything'),
      })
      .meta({
        description:
          "Path prefixes this service answers: '/orders' matches /orders and /orders/1; '/...' is a catch-all.",
      }),
    env: z
      .record(
        z.string().regex(new RegExp(ENV_NAME_PATTERN), {
          error: withFix(
            'is not an environment variable name',
            'use letters, digits and _, not starting with a digit',
          ),
        }),
        z.string(),
        { error: withFix('expected a map of names to strings', 'write env: { LOG_LEVEL: info }') },
      )
      .optional()
      .meta({ description: 'Environment variables; values are strings (quote numbers and booleans).' }),
    allowedOutboundHosts: z
      .array(
        z
          .string({ error: withFix('expected a string', 'write scheme://host[:port]') })
          .superRefine(check(parseOutboundHost)),
        {
          error: withFix(
            'expected a list of origins',
            'write allowedOutboundHosts: ["https://api.example.com"]',
          ),
        },
      )
      .optional()
      .meta({
        description:
          "Origins (scheme://host[:port]) the service may call, in Spin's forms: https://api.example.com, https://*.example.com:8443, http://payments (a service of the app), *://*:*; none: no outbound calls.",
      }),
    limits: LimitsSchema.optional().meta({ description: 'Per-service limits enforced by the host.' }),
    isolation: z
      .enum(['reuse', 'fresh', 'auto'], {
        error: withFix(
          'expected reuse or fresh',
          "use 'reuse' (one instance across requests) or 'fresh' (one per request)",
        ),
      })
      .optional()
      .meta({
        description:
          "'reuse' keeps an instance across requests (components only); 'fresh' makes one per request.",
        default: DEFAULTS.isolation,
      }),
    data: DataSchema.optional(),
    files: FilesSchema.optional(),
    kubernetes: KubernetesSchema.optional().meta({ description: 'How `wasmkube k8s` renders this service.' }),
    variables: ServiceVariablesSchema.optional(),
    keyValue: ServiceStoresSchema.optional(),
  })
  .superRefine((value, ctx) => {
    const output = value.build?.output;
    if (output !== undefined && posix.normalize(output) !== posix.normalize(value.source)) {
      ctx.addIssue({
        code: 'custom',
        path: ['build', 'output'],
        message: `is ${output} but source is ${value.source}: the service would serve something else than it builds`,
        params: { fix: 'remove build.output (it defaults to source), or make both the same path' },
      });
    }
  });

const dnsLabel = (what: string) =>
  z
    .string({ error: withFix(`expected ${what} (a string)`, 'use a name such as shop') })
    .regex(new RegExp(DNS_LABEL_PATTERN), {
      error: withFix(
        `is not a valid ${what}: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
        'rename it, e.g. my-service',
      ),
    });

export const ManifestSchema = z
  .strictObject({
    apiVersion: z
      .literal(API_VERSION, {
        error: withFix(`expected ${API_VERSION}`, `write apiVersion: ${API_VERSION} as the first line`),
      })
      .meta({ description: 'Version of this format.' }),
    kind: z
      .literal('App', { error: withFix('expected App', 'write kind: App, or leave kind out') })
      .optional()
      .meta({ description: 'Always App; optional.' }),
    name: dnsLabel('app name').meta({
      description: 'App name, a DNS-1123 label; Kubernetes object names derive from it.',
    }),
    host: HostSchema.optional().meta({ description: 'The Node.js host; every field has a default.' }),
    services: z
      .record(dnsLabel('service name'), ServiceSchema, {
        error: withFix(
          'expected a map of service names to services',
          'write services: followed by indented service names',
        ),
      })
      .superRefine((services, ctx) => {
        if (Object.keys(services).length === 0) {
          ctx.addIssue({
            code: 'custom',
            message: 'has no services',
            params: { fix: 'add a service, e.g. orders: { source: orders.wasm, routes: ["/orders"] }' },
          });
        }
      })
      .meta({ description: 'Services by name (DNS-1123 labels).', minProperties: 1 }),
    kubernetes: AppKubernetesSchema.optional().meta({
      description: 'App-wide settings of `wasmkube k8s render` and `wasmkube deploy`.',
    }),
    variables: VariablesSchema.optional(),
    keyValue: StoresSchema.optional(),
  })
  .superRefine((value, ctx) => {
    for (const issue of stateProblems(value.variables, value.services))
      ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of environmentProblems(value.services, value.kubernetes))
      ctx.addIssue({ code: 'custom', ...issue });
  })
  .meta({ title: 'wasmkube app manifest', description: 'wasmkube.yaml: one app of WebAssembly services.' });

/** What users write, after zod has checked it and before units and defaults are applied. */
export type ManifestInput = z.output<typeof ManifestSchema>;
export type ServiceInput = z.output<typeof ServiceSchema>;
