// OCI image layout: a folder (`oci-layout`, `index.json`, `blobs/sha256/…`) or the same as one tar,
// which skopeo, podman (`oci:`/`oci-archive:`), crane and umoci read. Each image is named in index.json
// by its `org.opencontainers.image.ref.name` annotation.
// @see https://github.com/opencontainers/image-spec/blob/main/image-layout.md

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WasmkubeError } from '../errors.ts';
import { canonicalJson, verifyDigest } from './digest.ts';
import { parseImageIndex, parseImageManifest } from './manifest-json.ts';
import { deterministicTar, type LayerFile, readTar } from './tar-gzip.ts';
import { type Blob, type Descriptor, type Image, type ImageIndex, MEDIA } from './types.ts';

export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface NamedImage {
  /** The name it has in index.json, e.g. `127.0.0.1:5000/acme/shop:1.0` or just a tag. */
  readonly name: string;
  readonly image: Image;
}

/** The files of a layout holding the images, sorted, blobs deduplicated. */
export function layoutFiles(images: readonly NamedImage[]): LayerFile[] {
  const blobs = new Map<string, Uint8Array>();
  const manifests: Descriptor[] = [];
  for (const { name, image } of [...images].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const b of [image.manifest, image.config, ...image.layers]) blobs.set(b.descriptor.digest, b.data);
    manifests.push({ ...image.manifest.descriptor, annotations: { [REF_NAME]: name } });
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MEDIA.index, manifests };
  return [
    { path: 'oci-layout', data: canonicalJson({ imageLayoutVersion: '1.0.0' }) },
    { path: 'index.json', data: canonicalJson(index) },
    ...[...blobs].map(([digest, data]) => ({ path: `blobs/${digest.replace(':', '/')}`, data })),
  ];
}

export async function writeLayoutDir(dir: string, images: readonly NamedImage[]): Promise<void> {
  const files = layoutFiles(images);
  // index.json last, written aside and renamed: a reader never sees an index naming missing blobs.
  for (const f of files) {
    if (f.path === 'index.json') continue;
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.data);
  }
  const index = files.find((f) => f.path === 'index.json')!;
  await writeFile(join(dir, 'index.json.tmp'), index.data);
  await rename(join(dir, 'index.json.tmp'), join(dir, 'index.json'));
}

/** The layout as one uncompressed tar (`podman load -i`, `oci-archive:`); the same images give the same bytes. */
export async function layoutTar(images: readonly NamedImage[]): Promise<Uint8Array> {
  return deterministicTar(layoutFiles(images));
}

/** Reads every image of a layout folder or layout tar, verifying each blob against its digest. */
export async function readLayout(path: string): Promise<NamedImage[]> {
  let read: (rel: string) => Promise<Uint8Array>;
  const isTar = /\.tar(\.gz)?$/.test(path);
  if (isTar) {
    const files = new Map((await readTar(await readFile(path))).map((f) => [f.path, f.data]));
    read = async (rel) => {
      const data = files.get(rel);
      if (!data) throw new Error(`${rel} is missing`);
      return data;
    };
  } else read = (rel) => readFile(join(path, rel));
  const blob = async (d: Descriptor): Promise<Blob> => {
    const data = await read(`blobs/${d.digest.replace(':', '/')}`);
    verifyDigest(data, d.digest, `${path} blob`);
    return { descriptor: d, data };
  };
  try {
    const index = parseImageIndex(await read('index.json'), `${path} index.json`);
    const out: NamedImage[] = [];
    for (const d of index.manifests) {
      const manifest = await blob(d);
      const m = parseImageManifest(manifest.data, `${path} manifest ${d.digest}`, d.mediaType);
      out.push({
        name: d.annotations?.[REF_NAME] ?? d.digest,
        image: { manifest, config: await blob(m.config), layers: await Promise.all(m.layers.map(blob)) },
      });
    }
    return out;
  } catch (cause) {
    if (cause instanceof WasmkubeError) throw cause;
    throw new WasmkubeError(
      'OCI_UNSUPPORTED',
      `${path} is not a complete OCI image layout: ${String(cause)}`,
      {
        cause,
        fix: 'write it again with `wasmkube package` or `wasmkube pull --out`',
      },
    );
  }
}
