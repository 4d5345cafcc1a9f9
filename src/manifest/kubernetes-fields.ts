// Field helpers of the Kubernetes settings schemas: numbers, names, quantities and passthrough maps,
// each with the message and fix users see (the same `message\u001ffix` convention as schema.ts).

import * as z from 'zod';
import { DNS_LABEL_PATTERN } from './names.ts';

/** Same separator as schema.ts (not imported: schema.ts imports this file). */
const FIX_SEPARATOR = '\u001f';
export const withFix = (message: string, fix: string): string => `${message}${FIX_SEPARATOR}${fix}`;

/** `kubernetes.registry` and `--registry`: a host with an optional port, then an optional path. */
export const REGISTRY_PATTERN = '^[a-z0-9.-]+(:[0-9]+)?(\\/[a-z0-9._/-]+)?$';
export const REGISTRY_FIX = 'use a registry and namespace such as ghcr.io/acme or 127.0.0.1:5000';
/** `kubernetes.tag` and `--tag`: an OCI tag. */
export const TAG_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';
export const TAG_FIX = 'use a tag such as 1.0.0';

export const QUANTITY_PATTERN =
  '^[+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$';
const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);

export function integer(min: number, max: number) {
  const error = withFix(
    `expected a whole number from ${min} to ${max}`,
    `use a whole number from ${min} to ${max}`,
  );
  return z.int({ error }).min(min, { error }).max(max, { error });
}

export const name = (what: string, example: string) =>
  z
    .string({ error: withFix(`expected ${what} (a string)`, `use a name such as ${example}`) })
    .regex(new RegExp(DNS_LABEL_PATTERN), {
      error: withFix(`is not a valid ${what}`, `use lowercase letters, digits and '-', e.g. ${example}`),
    });

/** A Kubernetes object name (DNS-1123 subdomain). */
export const objectName = (what: string, example: string) =>
  z
    .string({ error: withFix(`expected ${what} (a string)`, `use a name such as ${example}`) })
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, {
      error: withFix(`is not a valid ${what}`, `use lowercase letters, digits, '-' and '.', e.g. ${example}`),
    });

export const quantity = z
  .union([z.number().meta({ minimum: 0 }), z.string().meta({ pattern: QUANTITY_PATTERN })], {
    error: withFix('expected a Kubernetes quantity', 'use a quantity such as 100m, 0.5 or 64Mi'),
  })
  .superRefine((value, ctx) => {
    if (!QUANTITY_RE.test(String(value))) {
      ctx.addIssue({
        code: 'custom',
        message: `'${value}' is not a Kubernetes quantity`,
        params: { fix: 'use a quantity such as 100m, 0.5 or 64Mi' },
      });
    }
  });

/** Objects passed through to Kubernetes as written; the renderer validates them against the official schema. */
export const passthrough = (what: string, example: string) =>
  z.record(z.string(), z.unknown(), {
    error: withFix(`expected ${what} (a map)`, `write it as Kubernetes does, e.g. ${example}`),
  });
export const passthroughList = (what: string, example: string) =>
  z.array(passthrough(what, example), {
    error: withFix(`expected a list of ${what}`, `write it as Kubernetes does, e.g. [${example}]`),
  });
export const stringMap = (what: string) =>
  z.record(z.string(), z.string({ error: withFix('expected a string', 'quote the value') }), {
    error: withFix(`expected ${what} (a map of strings)`, 'write key: "value" pairs'),
  });
export const intOrPercent = z.union([z.int().min(0), z.string().regex(/^[0-9]{1,3}%$/)], {
  error: withFix('expected a number or a percentage', "use a number such as 1 or a percentage such as '50%'"),
});
export const duration = z.string().regex(/^[0-9]+(ms|s|m|h)$/, {
  error: withFix('expected a duration', 'use a duration such as 30s or 1m'),
});
