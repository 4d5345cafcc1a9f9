// An app that `up oci://…` pulled is someone else's input: its manifest may not run commands here
// (`build`) nor reach files outside the pulled app folder (absolute paths, `..`, `oci://` sources).

import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WasmkubeError } from '../errors.ts';
import { type AppManifest, loadManifest, parseManifest } from '../manifest/index.ts';

const FIX =
  'push the app with `wasmkube push --kind container` (it ships each .wasm under services/ and drops build steps); to run this image anyway, pull it, review its app/wasmkube.yaml, and run that folder locally';

/**
 * Loads the manifest of a pulled app folder and checks that every `source` is a file inside it and
 * that no service has a `build` step.
 * @throws WasmkubeError OCI_UNSUPPORTED naming the field (`services.NAME.build` or `services.NAME.source`)
 */
export async function loadPulledApp(dir: string, reference: string): Promise<AppManifest> {
  const loaded = await loadManifest(dir);
  // Paths as written, to say what was written; the loaded ones are already resolved.
  const written = parseManifest(await readFile(loaded.file, 'utf8'), loaded.file);
  const root = await realpath(loaded.dir);
  const refuse = (field: string, why: string) =>
    new WasmkubeError(
      'OCI_UNSUPPORTED',
      `${reference}: ${field} ${why}; an app pulled from a registry may not`,
      {
        fix: FIX,
      },
    );
  for (const s of written.services) {
    if (s.build) {
      throw refuse(
        `services.${s.name}.build`,
        s.build.command
          ? `would run \`${s.build.command}\` on this machine`
          : 'would build from sources on this machine',
      );
    }
    const field = `services.${s.name}.source`;
    if (s.source.kind === 'oci') throw refuse(field, `points at another image (oci://${s.source.ref})`);
    const path = s.source.path;
    if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) throw refuse(field, `is an absolute path (${path})`);
    if (path.split(/[\\/]/).includes('..')) throw refuse(field, `leaves the app folder (${path})`);
    // A symlink planted in the cache could still lead out: compare real paths where the file exists.
    const real = await realpath(resolve(root, path)).catch(() => join(root, path));
    const rel = relative(root, real);
    if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      throw refuse(field, `leaves the app folder (${path} is ${real})`);
    }
  }
  return loaded.app;
}
