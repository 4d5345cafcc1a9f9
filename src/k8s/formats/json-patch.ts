// The RFC 6902 operations that turn one object into another, for kustomize overlays: maps are diffed
// key by key, lists and scalars replaced whole (what kustomize's JSON patches apply exactly).

export type PatchOp =
  | { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

const escapeKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Operations taking `from` to `to`, keys in sorted order so output is stable. */
export function diff(from: unknown, to: unknown, path = ''): PatchOp[] {
  if (equal(from, to)) return [];
  if (!isMap(from) || !isMap(to)) return [{ op: 'replace', path, value: to }];
  const ops: PatchOp[] = [];
  for (const key of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
    const at = `${path}/${escapeKey(key)}`;
    if (!(key in to)) ops.push({ op: 'remove', path: at });
    else if (!(key in from)) ops.push({ op: 'add', path: at, value: to[key] });
    else ops.push(...diff(from[key], to[key], at));
  }
  return ops;
}

/** Applies operations made by `diff` (a copy; the input is left alone). */
export function applyPatch<T>(doc: T, ops: readonly PatchOp[]): T {
  const root = { value: structuredClone(doc) as unknown };
  for (const op of ops) {
    const keys =
      op.path === ''
        ? []
        : op.path
            .slice(1)
            .split('/')
            .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    let parent: Record<string, unknown> = root;
    let last = 'value';
    for (const key of keys) {
      parent = parent[last] as Record<string, unknown>;
      last = key;
    }
    if (op.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(op.value);
  }
  return root.value as T;
}
