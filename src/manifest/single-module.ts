// The manifest behind `wasmkube up --from service.wasm`: one service named after the file, answering
// every path, with default limits. Going through normalization keeps its defaults those of a real manifest.

import { basename, resolve } from 'node:path';
import { DEFAULTS } from './defaults.ts';
import { toDnsLabel } from './names.ts';
import { normalizeManifest } from './normalize.ts';
import { API_VERSION, type AppManifest } from './types.ts';
import { parseListen } from './units.ts';

/**
 * @param path a .wasm file (made absolute) or an `oci://` reference
 * @param listen as for `--listen`; @default '127.0.0.1:8080'
 * @throws WasmkubeError BAD_ARGUMENT for a bad listen address
 */
export function appManifestForSingleModule(path: string, listen: string = DEFAULTS.listen): AppManifest {
  parseListen(listen, '--listen');
  const oci = path.startsWith('oci://');
  const file = oci
    ? (path.split('/').at(-1) ?? '').replace(/[:@].*$/, '')
    : basename(path).replace(/\.wasm$/i, '');
  const name = toDnsLabel(file, 'service');
  return normalizeManifest({
    apiVersion: API_VERSION,
    name,
    host: { listen },
    services: { [name]: { source: oci ? path : resolve(path), routes: ['/...'] } },
  });
}
