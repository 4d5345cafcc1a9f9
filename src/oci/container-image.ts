// Builds the container image for the guide's Approach 1: a base image with Node.js 24, a layer with the
// wasmkube host, a layer with the app. Non-root, port 8080, read-only root filesystem friendly;
// daemonless and reproducible, as ko and Jib build theirs.

import { NODE_FLAGS } from '../../bin/node-flags.js';
import { WasmkubeError } from '../errors.ts';
import type { LoadedManifest } from '../manifest/index.ts';
import { APP_CACHE_DIR, APP_DIR, appLayerFiles } from './app-layer.ts';
import { blobOf, canonicalJson, sha256 } from './digest.ts';
import { HOST_DIR, hostLayerFiles, WASMKUBE_ROOT } from './host-layer.ts';
import { assembleImage } from './image.ts';
import { deterministicGzip, deterministicTar, type LayerFile } from './tar-gzip.ts';
import { type Blob, type Image, MEDIA } from './types.ts';

/** What `--base` defaults to: Debian slim with Node.js 24, as node's official images publish it. */
export const DEFAULT_BASE = 'docker.io/library/node:24-slim';
/** A numeric non-root user, so Kubernetes' runAsNonRoot can check it without a passwd entry. */
export const DEFAULT_USER = '65532:65532';
export const PORT = 8080;

export interface ContainerImageOptions {
  /** The base image, already pulled (pullImage). */
  readonly base: Image;
  /** @default '65532:65532' */
  readonly user?: string;
  /** The wasmkube to put in the host layer. @default the one running */
  readonly wasmkubeRoot?: string;
  /** gzip level of the new layers. @default 9 */
  readonly gzipLevel?: number;
}

export const LAYER_ANNOTATION = 'dev.wasmkube.layer';

interface BaseConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: { Env?: string[]; [k: string]: unknown };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: unknown[];
}

export interface BuiltLayer {
  readonly blob: Blob;
  readonly diffId: string;
  readonly files: readonly LayerFile[];
}

export async function buildLayer(
  name: string,
  files: readonly LayerFile[],
  gzipLevel = 9,
): Promise<BuiltLayer> {
  const tar = await deterministicTar(files);
  const blob = blobOf(MEDIA.layerGzip, deterministicGzip(tar, gzipLevel), {
    annotations: { [LAYER_ANNOTATION]: name },
  });
  return { blob, diffId: sha256(tar), files };
}

/** The image's run settings, also what `--dockerfile` writes. */
export function runSettings(user: string) {
  return {
    user,
    env: [`WASMKUBE_CACHE_DIR=/${APP_CACHE_DIR}`, 'NODE_ENV=production', 'HOME=/tmp'],
    entrypoint: ['node', ...NODE_FLAGS, `/${HOST_DIR}/bin/wasmkube.js`],
    cmd: ['up', `/${APP_DIR}`, '--listen', `0.0.0.0:${PORT}`],
    workdir: `/${APP_DIR}`,
  };
}

export async function buildContainerImage(
  loaded: LoadedManifest,
  wasm: ReadonlyMap<string, Uint8Array>,
  opts: ContainerImageOptions,
): Promise<{ image: Image; host: BuiltLayer; app: BuiltLayer }> {
  const base = JSON.parse(Buffer.from(opts.base.config.data).toString('utf8')) as BaseConfig;
  if (base.rootfs?.type !== 'layers' || !Array.isArray(base.rootfs.diff_ids)) {
    throw new WasmkubeError(
      'OCI_UNSUPPORTED',
      'the base image has no rootfs.diff_ids: it is not a container image',
      {
        fix: 'use a Linux container image with Node.js 24 as --base (default docker.io/library/node:24-slim)',
      },
    );
  }
  const level = opts.gzipLevel ?? 9;
  const host = await buildLayer('host', hostLayerFiles(opts.wasmkubeRoot ?? WASMKUBE_ROOT), level);
  const app = await buildLayer('app', await appLayerFiles(loaded, wasm), level);
  const run = runSettings(opts.user ?? DEFAULT_USER);
  const keys = new Set(run.env.map((e) => e.split('=')[0]));
  const env = [...(base.config?.Env ?? []).filter((e) => !keys.has(e.split('=')[0])), ...run.env];
  const created = '1970-01-01T00:00:00Z';
  const config = {
    ...base,
    created,
    config: {
      ...base.config,
      User: run.user,
      Env: env,
      Entrypoint: run.entrypoint,
      Cmd: run.cmd,
      WorkingDir: run.workdir,
      ExposedPorts: { [`${PORT}/tcp`]: {} },
      // The only writable places on a read-only root filesystem: runtimes mount a volume on each.
      Volumes: { '/data': {}, '/tmp': {} },
      Labels: {
        ...((base.config?.Labels as Record<string, string>) ?? {}),
        'dev.wasmkube.app': loaded.app.name,
      },
    },
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, host.diffId, app.diffId] },
    history: [
      ...(base.history ?? []),
      { created, created_by: 'wasmkube package: host', comment: 'wasmkube' },
      { created, created_by: `wasmkube package: app ${loaded.app.name}`, comment: 'wasmkube' },
    ],
  };
  const image = assembleImage(
    blobOf(MEDIA.imageConfig, canonicalJson(config)),
    [...opts.base.layers.map(ociLayer), host.blob, app.blob],
    { annotations: { 'org.opencontainers.image.title': loaded.app.name } },
  );
  return { image, host, app };
}

/** Docker's layer media type is the same bytes as OCI's; one manifest should not mix the two. */
function ociLayer(layer: Blob): Blob {
  const mediaType =
    layer.descriptor.mediaType === MEDIA.dockerLayerGzip ? MEDIA.layerGzip : layer.descriptor.mediaType;
  return { data: layer.data, descriptor: { ...layer.descriptor, mediaType } };
}

/** A Dockerfile that builds the same image from the layers' files written next to it. */
export function dockerfile(baseRef: string, user: string, localBase?: 'layout' | 'tar'): string {
  const run = runSettings(user);
  // A base read from disk has no registry name: podman/buildah read an OCI layout (`oci:`) or its
  // tarball (`oci-archive:`) as written; Docker takes the name it loaded the base under (--build-arg).
  const from = localBase
    ? `# The base is the local OCI ${localBase === 'layout' ? 'layout' : 'layout tarball'} ${baseRef}: podman build reads it as
# written (from a lowercase path: it names the base after it); with Docker, load it and name it: docker build --build-arg BASE=NAME:TAG -t IMAGE .
ARG BASE=${localBase === 'layout' ? 'oci' : 'oci-archive'}:${baseRef}
FROM \${BASE}`
    : `FROM ${baseRef}`;
  return `# Written by \`wasmkube package --dockerfile\`: the same image as \`wasmkube package --kind container\`,
# for teams that build with Docker. Build from this folder: docker build -t IMAGE .
${from}
COPY ${HOST_DIR}/ /${HOST_DIR}/
COPY ${APP_DIR}/ /${APP_DIR}/
COPY --chmod=1777 tmp/ /tmp/
COPY --chmod=1777 data/ /data/
${run.env.map((e) => `ENV ${e}`).join('\n')}
USER ${user}
WORKDIR ${run.workdir}
EXPOSE ${PORT}
VOLUME ["/data", "/tmp"]
ENTRYPOINT ${JSON.stringify(run.entrypoint)}
CMD ${JSON.stringify(run.cmd)}
`;
}
