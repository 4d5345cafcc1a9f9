// The OCI data model wasmkube reads and writes: descriptors, image manifests, indexes, and an image held
// in memory as its blobs. Media types are constants here so no other file spells them.

export const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** CNCF TAG Runtime "Wasm OCI Artifact". @see https://tag-runtime.cncf.io/wgs/wasm/deliverables/wasm-oci-artifact/ */
  wasmConfig: 'application/vnd.wasm.config.v0+json',
  wasmLayer: 'application/wasm',
  /** Spin's layout, what SpinKube's containerd shim pulls. */
  spinConfig: 'application/vnd.fermyon.spin.application.v1+config',
  spinLayer: 'application/vnd.wasm.content.layer.v1+wasm',
} as const;

/** What every manifest says about the documents it is made of. @see https://github.com/opencontainers/image-spec/blob/main/descriptor.md */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
  readonly artifactType?: string;
}

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A blob and the descriptor that names it. */
export interface Blob {
  readonly descriptor: Descriptor;
  readonly data: Uint8Array;
}

/** An image (or artifact) held in memory: its manifest bytes are what gets pushed, byte for byte. */
export interface Image {
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.index || mediaType === MEDIA.dockerList;
}
