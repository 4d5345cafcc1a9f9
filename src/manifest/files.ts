// A service's files in wasmkube.yaml: `data` (a read-write directory the guest sees as /data) and
// `files` (read-only static files, Spin's form: globs, or { source, destination } mappings), normalized.
// Their zod schemas are in files-schema.ts, so that `up --from` loads no zod.

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

/** The normalized files of a service, or undefined when it declares neither (the common case). */
export function normalizeFiles(
  name: string,
  data: boolean | { readonly dir: string } | undefined,
  files: readonly (string | { readonly source: string; readonly destination: string })[] | undefined,
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
