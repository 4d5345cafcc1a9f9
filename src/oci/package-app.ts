// `wasmkube package` and `push` as a library: builds an app's images (one Wasm artifact per service,
// one container image for the app) in memory, named by the one naming rule of src/app/image-refs.ts.

import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { appImageRefs } from '../app/image-refs.ts';
import { isWasmkubeError, WasmkubeError } from '../errors.ts';
import type { LoadedManifest } from '../manifest/index.ts';
import { readServiceFiles } from './app-layer.ts';
import {
  type BuiltLayer,
  buildContainerImage,
  DEFAULT_BASE,
  DEFAULT_USER,
  dockerfile,
} from './container-image.ts';
import { parseRegistry } from './image-target.ts';
import { plainHttpAllowed } from './insecure.ts';
import { readLayout } from './layout.ts';
import { parsePlatform, pullImage } from './pull.ts';
import { formatReference, parseReference } from './reference.ts';
import type { Image } from './types.ts';
import { type ArtifactFormat, buildWasmArtifact } from './wasm-artifact.ts';

export type ImageKind = 'wasm' | 'container' | 'all';

export interface PackageOptions {
  /** @default 'all' */
  readonly kind?: ImageKind;
  /** Layout of the Wasm artifacts. @default 'cncf' */
  readonly format?: ArtifactFormat;
  /** Base of the container image: a reference, or an OCI layout folder or .tar. @default docker.io/library/node:24-slim */
  readonly base?: string;
  /** @default 'linux/amd64' */
  readonly platform?: string;
  /**
   * Plain HTTP for a base image on `registry`'s host or on a loopback host; other hosts only when listed
   * in $WASMKUBE_INSECURE_REGISTRIES. @default false
   */
  readonly insecure?: boolean;
  /**
   * Names the images `REGISTRY/APP[-SERVICE]:TAG`; without it they are named `APP[-SERVICE]:TAG`.
   * Resolve it from the manifest with imageTarget(). @see ./image-target.ts
   */
  readonly registry?: string;
  /** @default 'latest' */
  readonly tag?: string;
  /** gzip level of new container layers. @default 9 */
  readonly gzipLevel?: number;
  readonly onProgress?: (line: string) => void;
}

export interface PackagedImage {
  readonly kind: 'wasm' | 'container';
  /** The service, for a Wasm artifact. */
  readonly service?: string;
  /** Full reference (with `registry`) or `name:tag`. */
  readonly name: string;
  readonly image: Image;
}

export interface PackagedApp {
  readonly images: readonly PackagedImage[];
  /** Where the base came from, when it is a registry reference: pushes to that registry mount its layers. */
  readonly base?: { readonly ref: string; readonly image: Image };
  readonly layers?: { readonly host: BuiltLayer; readonly app: BuiltLayer };
}

export async function packageApp(loaded: LoadedManifest, opts: PackageOptions = {}): Promise<PackagedApp> {
  const kind = opts.kind ?? 'all';
  const refs = appImageRefs(loaded.app, { registry: opts.registry ?? '', tag: opts.tag ?? 'latest' });
  const named = (ref: string) => (opts.registry ? ref : ref.replace(/^\//, ''));
  const wasm = await readServiceFiles(loaded);
  const images: PackagedImage[] = [];
  if (kind === 'wasm' || kind === 'all') {
    for (const s of loaded.app.services) {
      opts.onProgress?.(`packaging ${s.name} as a Wasm artifact (${opts.format ?? 'cncf'})`);
      const image = buildWasmArtifact(loaded.app, s, wasm.get(s.name)!, { format: opts.format ?? 'cncf' });
      images.push({ kind: 'wasm', service: s.name, name: named(refs.wasm[s.name]!), image });
    }
  }
  if (kind === 'wasm') return { images };
  parsePlatform(opts.platform ?? 'linux/amd64');
  const baseRef = opts.base ?? DEFAULT_BASE;
  opts.onProgress?.(`pulling base image ${baseRef}`);
  const base = await loadBase(baseRef, opts);
  opts.onProgress?.(
    `building container image for ${loaded.app.name} (host layer, app layer, transpiling components)`,
  );
  const built = await buildContainerImage(loaded, wasm, {
    base: base.image,
    ...(opts.gzipLevel === undefined ? {} : { gzipLevel: opts.gzipLevel }),
  });
  images.push({ kind: 'container', name: named(refs.container), image: built.image });
  return {
    images,
    ...(base.ref ? { base: { ref: base.ref, image: base.image } } : {}),
    layers: { host: built.host, app: built.app },
  };
}

async function loadBase(base: string, opts: PackageOptions): Promise<{ ref?: string; image: Image }> {
  if (existsSync(base)) {
    const images = await readLayout(base);
    if (images.length !== 1) {
      throw new WasmkubeError(
        'BAD_ARGUMENT',
        `--base ${base} holds ${images.length} images; it must hold one`,
        {
          fix: 'give a layout with one image, or a registry reference',
        },
      );
    }
    return { image: images[0]!.image };
  }
  const ref = parseReference(base);
  const insecure = plainHttpAllowed(ref.registry, {
    insecure: opts.insecure ?? false,
    ...(opts.registry ? { registry: parseRegistry(opts.registry).host } : {}),
  });
  try {
    const pulled = await pullImage(base, {
      insecure,
      platform: opts.platform ?? 'linux/amd64',
    });
    return { ref: formatReference(ref), image: pulled.image };
  } catch (err) {
    if (!isWasmkubeError(err) || !['OCI_NETWORK', 'OCI_NOT_FOUND', 'OCI_AUTH'].includes(err.code)) throw err;
    throw new WasmkubeError(err.code, `base image ${base}: ${err.message}`, {
      cause: err,
      fix: `${
        err.code === 'OCI_NETWORK' && !insecure
          ? `if ${ref.registry} speaks plain HTTP, list it in WASMKUBE_INSECURE_REGISTRIES (--insecure covers only the --registry host and loopback)`
          : (err.fix ?? 'check the reference')
      }; or pass --base with a reachable image or a local OCI layout (a folder or .tar), which an offline machine needs`,
    });
  }
}

/** Writes the Dockerfile and the files it copies (`opt/wasmkube/`, `app/`) into a folder. */
export async function writeDockerContext(dir: string, pkg: PackagedApp, baseRef: string): Promise<string[]> {
  if (!pkg.layers)
    throw new WasmkubeError('BAD_ARGUMENT', '--dockerfile needs the container image', {
      fix: 'use --kind container or --kind all',
    });
  for (const f of [...pkg.layers.host.files, ...pkg.layers.app.files]) {
    const target = join(dir, f.path);
    if (f.dir) await mkdir(target, { recursive: true });
    else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.data, { mode: f.mode ?? 0o644 });
    }
  }
  const local = existsSync(baseRef) ? (statSync(baseRef).isDirectory() ? 'layout' : 'tar') : undefined;
  await writeFile(
    join(dir, 'Dockerfile'),
    dockerfile(local ? resolve(baseRef) : baseRef, DEFAULT_USER, local),
  );
  return [join(dir, 'Dockerfile')];
}
