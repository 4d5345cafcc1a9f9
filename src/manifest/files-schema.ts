// The zod schemas of a service's `data` and `files` in wasmkube.yaml (see files.ts for what they become);
// apart from files.ts so that only the manifest parser loads zod.

import * as z from 'zod';

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
