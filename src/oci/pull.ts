// Pulls an image or artifact into memory: resolves a tag, picks the platform's manifest from an index,
// and fetches config and layers, every blob verified against its digest.

import { WasmkubeError } from '../errors.ts';
import { parseImageIndex, parseImageManifest } from './manifest-json.ts';
import { formatReference, parseReference, type Reference, referenceTarget } from './reference.ts';
import { RegistryClient, type RegistryClientOptions } from './registry-client.ts';
import { type Blob, type Image, type ImageManifest, isIndexMediaType, type Platform } from './types.ts';

export interface PullOptions extends RegistryClientOptions {
  /** Which manifest to take from an index, `os/arch[/variant]`. @default 'linux/amd64' */
  readonly platform?: string;
  /** Called before each blob is fetched, for progress output. */
  readonly onBlob?: (digest: string, size: number) => void;
}

export interface PulledImage {
  readonly ref: Reference;
  /** The manifest's digest (of the platform's manifest, for an index). */
  readonly digest: string;
  readonly image: Image;
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) {
    throw new WasmkubeError('BAD_ARGUMENT', `--platform ${text} is not os/architecture`, {
      fix: 'write e.g. --platform linux/amd64 or linux/arm64/v8',
    });
  }
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** The manifest (not index) the reference names, resolved for the platform. */
export async function pullManifest(
  client: RegistryClient,
  ref: Reference,
  platform: Platform,
): Promise<{ digest: string; manifest: Blob }> {
  let got = await client.getManifest(ref.repository, referenceTarget(ref));
  if (isIndexMediaType(got.mediaType)) {
    const index = parseImageIndex(got.data, `${formatReference(ref)} index`, got.mediaType);
    const match = index.manifests.find(
      (m) =>
        m.platform?.os === platform.os &&
        m.platform.architecture === platform.architecture &&
        (!platform.variant || m.platform.variant === platform.variant),
    );
    if (!match) {
      const have = index.manifests
        .map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : m.digest))
        .join(', ');
      throw new WasmkubeError(
        'OCI_UNSUPPORTED',
        `${formatReference(ref)} has no ${platform.os}/${platform.architecture} image (it has ${have || 'none'})`,
        { fix: 'pick one of those with --platform, or use a base image built for your platform' },
      );
    }
    got = await client.getManifest(ref.repository, match.digest);
  }
  return {
    digest: got.digest,
    manifest: {
      descriptor: { mediaType: got.mediaType, digest: got.digest, size: got.data.byteLength },
      data: got.data,
    },
  };
}

export async function pullImage(reference: string, opts: PullOptions = {}): Promise<PulledImage> {
  const ref = parseReference(reference);
  const client = new RegistryClient(ref.registry, opts);
  const { digest, manifest } = await pullManifest(client, ref, parsePlatform(opts.platform ?? 'linux/amd64'));
  const m = parseImageManifest(manifest.data, formatReference(ref), manifest.descriptor.mediaType);
  const get = async (d: ImageManifest['config']): Promise<Blob> => {
    opts.onBlob?.(d.digest, d.size);
    const data = await client.getBlob(ref.repository, d.digest);
    if (data.byteLength !== d.size) {
      throw new WasmkubeError(
        'OCI_DIGEST',
        `${formatReference(ref)}: blob ${d.digest} has ${data.byteLength} bytes, the manifest says ${d.size}`,
        {
          fix: 'the manifest is inconsistent: push the image again',
        },
      );
    }
    return { descriptor: d, data };
  };
  const config = await get(m.config);
  const layers: Blob[] = [];
  for (const l of m.layers) layers.push(await get(l));
  return { ref, digest, image: { manifest, config, layers } };
}
