// The one call `up --watch` makes to rebuild a service: kept apart so that the build API behind it
// (build commands today, declared toolchains built in parallel later) can change in one place.

import { buildServices } from '../app/build-services.ts';
import type { AppManifest } from '../manifest/index.ts';

/** Rebuilds `service` of `app` (its build command's output streams to stderr); rejects on a failed build. */
export async function rebuildService(
  app: AppManifest,
  service: string,
  onProgress?: (line: string) => void,
): Promise<void> {
  await buildServices(app, { force: true, only: [service], onProgress });
}
