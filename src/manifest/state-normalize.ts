// Normalizes `variables:` and `keyValue:` (app level and under kubernetes): defaults filled in, keys
// sorted, so the host and the renderer read one shape.

import type { StoreSpec, VariableSpec } from './types.ts';

interface VariableInput {
  default?: string | undefined;
  required?: boolean | undefined;
  secret?: boolean | undefined;
  secretRef?: { name: string; key?: string | undefined } | undefined;
}
interface StoreInput {
  backend: 'sqlite' | 'redis';
  url?: string | { secret: string; key: string } | undefined;
}

export function normalizeVariables(
  input: Readonly<Record<string, VariableInput>> | undefined,
): Record<string, VariableSpec> {
  const out: Record<string, VariableSpec> = {};
  for (const name of Object.keys(input ?? {}).sort()) {
    const v = input![name]!;
    out[name] = {
      ...(v.default === undefined ? {} : { default: v.default }),
      required: v.required ?? false,
      secret: v.secret ?? false,
      ...(v.secretRef === undefined
        ? {}
        : { secretRef: { name: v.secretRef.name, key: v.secretRef.key ?? name } }),
    };
  }
  return out;
}

export function normalizeStores(
  input: Readonly<Record<string, StoreInput>> | undefined,
): Record<string, StoreSpec> {
  const out: Record<string, StoreSpec> = {};
  for (const name of Object.keys(input ?? {}).sort()) {
    const s = input![name]!;
    out[name] =
      s.backend === 'redis' && s.url !== undefined ? { backend: 'redis', url: s.url } : { backend: 'sqlite' };
  }
  return out;
}
