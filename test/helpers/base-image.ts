// A small Node.js 24 base image built from files of this machine (nothing can be pulled from a public
// registry here): the node binary, the shared libraries `ldd` lists, and passwd/group files with a
// non-root user. Pushed as an index so the builder's platform pick is exercised too.

import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  assembleImage,
  blobOf,
  canonicalJson,
  deterministicGzip,
  deterministicTar,
  type Image,
  type LayerFile,
  MEDIA,
  pushImage,
  RegistryClient,
  sha256,
} from '../../src/oci/index.ts';
import { ROOT } from './host.ts';

export const NODE_BIN = realpathSync(join(ROOT, 'node_modules', 'node', 'bin', 'node'));

function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs.sort();
}

let cached: Image | undefined;

/** The base image (linux/amd64), built once per process; gzip level 1 keeps the 120 MB binary quick. */
export async function buildNodeBaseImage(): Promise<Image> {
  if (cached) return cached;
  const files: LayerFile[] = [
    { path: 'usr/local/bin/node', data: readFileSync(NODE_BIN), mode: 0o755 },
    ...sharedLibraries(NODE_BIN).map((p) => ({ path: p.slice(1), data: readFileSync(p), mode: 0o755 })),
    {
      path: 'etc/passwd',
      data: Buffer.from(
        'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n',
      ),
    },
    { path: 'etc/group', data: Buffer.from('root:x:0:\nnonroot:x:65532:\n') },
    { path: 'tmp', dir: true, mode: 0o1777, data: new Uint8Array() },
  ];
  const tar = await deterministicTar(files);
  const layer = blobOf(MEDIA.layerGzip, deterministicGzip(tar, 1));
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['node'] },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'test: node binary and its libraries' }],
  };
  cached = assembleImage(blobOf(MEDIA.imageConfig, canonicalJson(config)), [layer]);
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
