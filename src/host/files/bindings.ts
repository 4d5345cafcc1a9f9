// The `files` field of a service's bindings: its grants opened from the manifest, with the data
// directory moved to $WASMKUBE_DATA_DIR when the host runs in a Kubernetes pod with a volume.

import { WasmkubeError } from '../../errors.ts';
import type { ServiceSpec } from '../../manifest/index.ts';
import { type FilesGrant, NO_FILES, openFilesGrant } from './grant.ts';

/** The variable that points a service's /data at a mounted volume (set by `k8s render` in stateful mode). */
export const DATA_DIR_ENV = 'WASMKUBE_DATA_DIR';

export function filesFor(service: ServiceSpec, env: NodeJS.ProcessEnv = process.env): FilesGrant {
  if (service.files === undefined) return NO_FILES;
  const override = env[DATA_DIR_ENV];
  if (override !== undefined && override !== '' && !override.startsWith('/')) {
    throw new WasmkubeError('BAD_ARGUMENT', `${DATA_DIR_ENV}=${override} is not an absolute path`, {
      fix: `set ${DATA_DIR_ENV} to the absolute path of the data volume, e.g. /data`,
    });
  }
  return openFilesGrant(service.name, service.files, override || undefined);
}
