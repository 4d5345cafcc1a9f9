// The read-only files services declare (`files:` globs and mappings) for the image's app layer, at the
// same paths relative to wasmkube.yaml, so `up /app` finds them where the manifest says. Symlinks are
// skipped, as the host skips them.

import { globSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { LoadedManifest } from '../manifest/index.ts';
import type { LayerFile } from './tar-gzip.ts';

function walk(path: string, out: Set<string>): void {
  const info = lstatSync(path);
  if (info.isFile()) out.add(path);
  else if (info.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name), out);
}

/** Every file the services' `files` entries name, under `appDir` in the layer, sorted by path. */
export function serviceFilesForLayer(loaded: LoadedManifest, appDir: string): LayerFile[] {
  const paths = new Set<string>();
  for (const service of loaded.app.services) {
    for (const entry of service.files?.files ?? []) {
      if (entry.kind === 'mapping') walk(entry.source, paths);
      else {
        for (const m of globSync(entry.pattern, { cwd: entry.base, withFileTypes: true })) {
          if (m.isFile()) paths.add(join(m.parentPath, m.name));
        }
      }
    }
  }
  return [...paths]
    .map((p) => ({ rel: relative(loaded.dir, p).split(sep).join('/'), p }))
    .filter(({ rel }) => !rel.startsWith('../'))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
    .map(({ rel, p }) => ({ path: `${appDir}/${rel}`, data: readFileSync(p) }));
}
