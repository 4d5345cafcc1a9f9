// Assembles an image from its config and layers: the manifest is canonical JSON, so the same blobs
// always give the same manifest digest.

import { blobOf, canonicalJson } from './digest.ts';
import { type Blob, type Image, type ImageManifest, MEDIA } from './types.ts';

export function assembleImage(
  config: Blob,
  layers: readonly Blob[],
  extra: { readonly artifactType?: string; readonly annotations?: Record<string, string> } = {},
): Image {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    ...(extra.artifactType ? { artifactType: extra.artifactType } : {}),
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  };
  return { manifest: blobOf(MEDIA.manifest, canonicalJson(manifest)), config, layers };
}

/** Every blob of the image, config first then layers, as pushed before the manifest. */
export function imageBlobs(image: Image): Blob[] {
  return [image.config, ...image.layers];
}

/** Compressed size: what a registry stores and a node downloads. */
export function imageSize(image: Image): number {
  return imageBlobs(image).reduce((sum, b) => sum + b.data.byteLength, image.manifest.data.byteLength);
}
