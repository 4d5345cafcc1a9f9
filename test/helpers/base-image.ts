// The tests' Node.js 24 base image (nothing can be pulled from a public registry here): what
// `wasmkube base-image` makes, pushed as an index so the builder's platform pick is exercised too.

import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  assembleImage,
  blobOf,
  buildNodeBaseImage as buildBase,
  canonicalJson,
  type Image,
  MEDIA,
  pushImage,
  RegistryClient,
} from '../../src/oci/index.ts';
import { ROOT } from './host.ts';

export const NODE_BIN = realpathSync(join(ROOT, 'node_modules', 'node', 'bin', 'node'));

let cached: Image | undefined;

/** The base image (linux/amd64), built once per process; gzip level 1 keeps the 120 MB binary quick. */
export async function buildNodeBaseImage(): Promise<Image> {
  cached ??= await buildBase({ node: NODE_BIN, gzipLevel: 1 });
  return cached;
}

/**
 * Pushes the base as an index with a linux/amd64 image and a decoy linux/arm64 one (same layer, other
 * config), so a builder that ignores the platform picks the wrong one.
 */
export async function pushNodeBaseImage(reference: string, opts: { insecure: boolean }): Promise<string> {
  const amd64 = await buildNodeBaseImage();
  const decoyConfig = JSON.parse(Buffer.from(amd64.config.data).toString('utf8'));
  decoyConfig.architecture = 'arm64';
  const arm64 = assembleImage(blobOf(MEDIA.imageConfig, canonicalJson(decoyConfig)), amd64.layers);
  const a = await pushImage(`${reference}-amd64`, amd64, opts);
  await pushImage(`${reference}-arm64`, arm64, opts);
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      { ...arm64.manifest.descriptor, platform: { architecture: 'arm64', os: 'linux' } },
      { ...amd64.manifest.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
    ],
  };
  const ref = a.ref;
  const client = new RegistryClient(ref.registry, opts);
  return client.putManifest(ref.repository, reference.split(':').at(-1)!, MEDIA.index, canonicalJson(index));
}
