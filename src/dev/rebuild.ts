// The one call `up --watch` makes to rebuild a service: kept apart so that the build API behind it
// (declared toolchains or a command, src/app/build-services.ts) can change in one place.

import { buildServices } from '../app/build-services.ts';
import { plainProgress } from '../cli/build-progress.ts';
import type { AppManifest } from '../manifest/index.ts';

/**
 * Rebuilds `service` of `app`, progress as lines; rejects with BUILD_FAILED whose message carries the
 * toolchain's or command's error (file, line, message).
 */
export async function rebuildService(
  app: AppManifest,
  service: string,
  onProgress?: (line: string) => void,
): Promise<void> {
  const progress = onProgress ? plainProgress((line) => onProgress(line.trimEnd())) : undefined;
  try {
    await buildServices(app, { force: true, services: [service], onProgress: progress?.onProgress });
  } finally {
    progress?.stop();
  }
}
