// `wasmkube build [APP] [--service NAME] [--force]`: builds the app's services in parallel, skipping the
// up-to-date ones, with one line per service (live in a terminal).

import { buildServices } from '../../app/build-services.ts';
import { loadManifest } from '../../manifest/index.ts';
import { liveProgress, plainProgress } from '../build-progress.ts';
import { progress } from '../output.ts';

export async function build(
  app: string | undefined,
  flags: { service?: string[]; force?: boolean },
): Promise<void> {
  const { app: manifest } = await loadManifest(app ?? '.');
  const names = manifest.services
    .filter((s) => s.build && (!flags.service || flags.service.includes(s.name)))
    .map((s) => s.name);
  if (names.length === 0 && !flags.service) {
    progress('nothing to build (no service has a build)');
    return;
  }
  const display = process.stderr.isTTY
    ? liveProgress(process.stderr, names)
    : plainProgress((line) => process.stderr.write(`wasmkube: ${line}`));
  const started = performance.now();
  try {
    const results = await buildServices(manifest, {
      services: flags.service,
      force: flags.force,
      onProgress: display.onProgress,
    });
    display.stop();
    const built = results.filter((r) => r.status === 'built').length;
    progress(
      `${built} built, ${results.length - built} up to date in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    display.stop();
    throw err;
  }
}
