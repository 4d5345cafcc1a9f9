// Pushes an image: every blob first (skipped when the repository has it, mounted when another
// repository on the registry has it), the manifest last, so a failed push never leaves a tag behind.

import { formatReference, parseReference, type Reference } from './reference.ts';
import { type BlobPushResult, RegistryClient, type RegistryClientOptions } from './registry-client.ts';
import type { Image } from './types.ts';

export interface PushOptions extends RegistryClientOptions {
  /** Repositories on the same registry that may hold some blobs (e.g. the base image's), for mounts. */
  readonly mountFrom?: ReadonlyMap<string, string>;
  /** Called after each blob, for progress output. */
  readonly onBlob?: (digest: string, size: number, result: BlobPushResult) => void;
}

export interface PushResult {
  readonly ref: Reference;
  /** `registry/repository:tag@sha256:…`, what to deploy. */
  readonly pinned: string;
  readonly digest: string;
  readonly uploaded: { readonly blobs: number; readonly bytes: number };
  readonly skipped: number;
  readonly mounted: number;
}

export async function pushImage(
  reference: string,
  image: Image,
  opts: PushOptions = {},
): Promise<PushResult> {
  const ref = parseReference(reference);
  const client = new RegistryClient(ref.registry, opts);
  let bytes = 0;
  let blobs = 0;
  let skipped = 0;
  let mounted = 0;
  for (const blob of [image.config, ...image.layers]) {
    const { digest } = blob.descriptor;
    const result = await client.pushBlob(ref.repository, digest, blob.data, opts.mountFrom?.get(digest));
    if (result === 'uploaded') {
      blobs++;
      bytes += blob.data.byteLength;
    } else if (result === 'mounted') mounted++;
    else skipped++;
    opts.onBlob?.(digest, blob.data.byteLength, result);
  }
  const target = ref.digest ?? ref.tag ?? 'latest';
  const digest = await client.putManifest(
    ref.repository,
    target,
    image.manifest.descriptor.mediaType,
    image.manifest.data,
  );
  const name = formatReference({ ...ref, digest: undefined });
  return { ref, pinned: `${name}@${digest}`, digest, uploaded: { blobs, bytes }, skipped, mounted };
}
