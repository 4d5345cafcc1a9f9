// Deterministic YAML: keys sorted at every level, no line folding, documents in the given order, so the
// same manifest always gives the same bytes (snapshots, git diffs, helm and kustomize outputs).

import { stringify } from 'yaml';
import type { KubeObject } from './types.ts';

/** A deep copy with every map's keys sorted; lists keep their order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

export function toYamlDocument(obj: unknown): string {
  return stringify(sortKeys(obj), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/** A YAML stream: one document per object, separated by `---`. */
export function toYamlStream(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${toYamlDocument(o)}`).join('');
}
