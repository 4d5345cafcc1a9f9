// `wasmkube build [APP]`: runs every service's build command from wasmkube.yaml.

import { buildServices } from '../../app/build-services.ts';
import { loadManifest } from '../../manifest/index.ts';
import { progress } from '../output.ts';

export async function build(app: string | undefined, flags: { service?: string[] }): Promise<void> {
  const { app: manifest } = await loadManifest(app ?? '.');
  const built = await buildServices(manifest, { force: true, only: flags.service, onProgress: progress });
  progress(
    built.length === 0 ? 'nothing to build (no service has a build command)' : `built ${built.join(', ')}`,
  );
}
