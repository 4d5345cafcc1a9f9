// A service's files in wasmkube.yaml: `data` (a read-write directory the guest sees as /data) and
// `files` (read-only static files, Spin's form: globs, or { source, destination } mappings).

import * as z from 'zod';

/** One entry of `files`, after normalization (paths resolved against the manifest folder by load.ts). */
export type FileEntry =
  | { readonly kind: 'glob'; readonly base: string; readonly pattern: string }
  | { readonly kind: 'mapping'; readonly source: string; readonly destination: string };

export interface FilesSpec {
  /** The guest's /data. @default `.wasmkube/data/SERVICE` beside wasmkube.yaml (with `data: true`) */
  readonly data?: { readonly dir: string };
  /** Read-only files, at their path under `/` (globs) or at `destination`. @default [] */
  readonly files: readonly FileEntry[];
}

// The same separator as schema.ts's withFix (not imported: schema.ts imports this module).
const fixed = (message: string, fix: string) => `${message}\u001f${fix}`;

const relativePath = z
  .string({ error: fixed('expected a path (a string)', 'write a path relative to wasmkube.yaml') })
  .min(1, { error: fixed('is empty', 'write a path relative to wasmkube.yaml') })
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
    error: fixed(
      'must be relative to wasmkube.yaml and stay inside its folder',
      "write a path such as 'static/**' (no leading / and no ..)",
    ),
  });

const destination = z
  .string({ error: fixed('expected a path (a string)', 'write an absolute guest path such as /static') })
  .refine((p) => p.startsWith('/') && p !== '/' && !p.split('/').includes('..'), {
    error: fixed(
      'must be an absolute guest path other than / and without ..',
      'write a path such as /static',
    ),
  })
  .refine((p) => p !== '/data' && !p.startsWith('/data/'), {
    error: fixed(
      'is inside /data, which is the data directory',
      'map the files to another path such as /static',
    ),
  });

export const DataSchema = z
  .union(
    [
      z.boolean(),
      z.strictObject({
        dir: z
          .string({ error: fixed('expected a directory (a string)', 'write data: { dir: state/orders }') })
          .min(1, { error: fixed('is empty', 'write data: { dir: state/orders }, or data: true') }),
      }),
    ],
    { error: fixed('expected true or { dir }', 'write data: true (or data: { dir: path/to/dir })') },
  )
  .meta({
    description:
      'A read-write directory the guest sees as /data: true for .wasmkube/data/SERVICE beside wasmkube.yaml, or { dir } (relative to it). In Kubernetes stateful mode, the StatefulSet volume.',
  });

export const FilesSchema = z
  .array(
    z.union([relativePath, z.strictObject({ source: relativePath, destination })], {
      error: fixed(
        'expected a glob or { source, destination }',
        "write files: ['static/**'] or files: [{ source: assets, destination: /assets }]",
      ),
    }),
    { error: fixed('expected a list', "write files: ['static/**']") },
  )
  .meta({
    description:
      "Read-only files the guest sees: globs (each match at its own path under /), or { source, destination } (a file or directory at an absolute guest path), like Spin's files.",
  });

/** The normalized files of a service, or undefined when it declares neither (the common case). */
export function normalizeFiles(
  name: string,
  data: z.output<typeof DataSchema> | undefined,
  files: z.output<typeof FilesSchema> | undefined,
): FilesSpec | undefined {
  const dataDir =
    data === true ? `.wasmkube/data/${name}` : data === false || data === undefined ? undefined : data.dir;
  if (dataDir === undefined && (files === undefined || files.length === 0)) return undefined;
  return {
    ...(dataDir === undefined ? {} : { data: { dir: dataDir } }),
    files: (files ?? []).map((f) =>
      typeof f === 'string'
        ? { kind: 'glob', base: '.', pattern: f }
        : { kind: 'mapping', source: f.source, destination: f.destination },
    ),
  };
}

/** Resolves a FilesSpec's paths against the manifest folder. */
export function resolveFiles(spec: FilesSpec, resolve: (p: string) => string): FilesSpec {
  return {
    ...(spec.data === undefined ? {} : { data: { dir: resolve(spec.data.dir) } }),
    files: spec.files.map((f) =>
      f.kind === 'glob' ? { ...f, base: resolve(f.base) } : { ...f, source: resolve(f.source) },
    ),
  };
}
