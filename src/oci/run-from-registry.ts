// What `wasmkube up oci://…` runs: pulls the reference (verified), caches it by manifest digest under
// the wasmkube cache, and returns a local path: the .wasm of a Wasm artifact, or the app folder of a
// wasmkube container image.

import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { WasmkubeError } from '../errors.ts';
import { cacheDir } from '../host/engines/cache-dir.ts';
import type { AppManifest } from '../manifest/index.ts';
import { APP_DIR } from './app-layer.ts';
import { LAYER_ANNOTATION } from './container-image.ts';
import { insecureByEnv } from './insecure.ts';
import { pullManifest } from './pull.ts';
import { loadPulledApp } from './pulled-app.ts';
import { formatReference, parseReference } from './reference.ts';
import { RegistryClient } from './registry-client.ts';
import { readTar } from './tar-gzip.ts';
import { type ImageManifest, MEDIA } from './types.ts';

export interface ResolveOptions {
  /** Plain HTTP. @default true for registries listed in $WASMKUBE_INSECURE_REGISTRIES (comma-separated) */
  readonly insecure?: boolean;
  /** @default cacheDir('oci') */
  readonly cacheRoot?: string;
}

export type Resolved =
  | { readonly kind: 'wasm'; readonly path: string; readonly digest: string }
  | { readonly kind: 'app'; readonly dir: string; readonly digest: string };

const WASM_LAYERS: ReadonlySet<string> = new Set([MEDIA.wasmLayer, MEDIA.spinLayer]);

export async function resolveOciRef(reference: string, opts: ResolveOptions = {}): Promise<Resolved> {
  const ref = parseReference(reference);
  const client = new RegistryClient(ref.registry, { insecure: opts.insecure ?? insecureByEnv(ref.registry) });
  const { digest, manifest } = await pullManifest(client, ref, { os: 'linux', architecture: 'amd64' });
  const m = JSON.parse(Buffer.from(manifest.data).toString('utf8')) as ImageManifest;
  const dir = join(opts.cacheRoot ?? cacheDir('oci'), digest.slice('sha256:'.length));
  const name = ref.repository.split('/').at(-1)!;
  // Only the layer that is run is fetched (an app image's base and host layers are not needed here),
  // and nothing at all when this digest is cached already.
  const wasmLayers = (m.layers ?? []).filter((l) => WASM_LAYERS.has(l.mediaType));
  if (wasmLayers.length > 0) {
    if (wasmLayers.length > 1) {
      throw new WasmkubeError(
        'OCI_UNSUPPORTED',
        `${formatReference(ref)} holds ${wasmLayers.length} Wasm layers; wasmkube runs one per service`,
        { fix: 'push each service as its own artifact (wasmkube push does)' },
      );
    }
    const path = join(dir, `${name}.wasm`);
    if (!existsSync(path)) {
      const data = await client.getBlob(ref.repository, wasmLayers[0]!.digest);
      await writeAtomically(dir, (tmp) => writeFile(join(tmp, `${name}.wasm`), data));
    }
    return { kind: 'wasm', path, digest };
  }
  const app = (m.layers ?? []).find((l) => l.annotations?.[LAYER_ANNOTATION] === 'app');
  if (!app) {
    throw new WasmkubeError(
      'OCI_UNSUPPORTED',
      `${formatReference(ref)} is neither a Wasm artifact nor a wasmkube container image`,
      {
        fix: 'give the reference of a Wasm artifact or of an image pushed by `wasmkube push --kind container`',
      },
    );
  }
  const appDir = join(dir, APP_DIR);
  if (!existsSync(join(appDir, 'wasmkube.yaml'))) {
    const data = await client.getBlob(ref.repository, app.digest);
    await writeAtomically(dir, (tmp) => unpackApp(data, tmp));
  }
  return { kind: 'app', dir: appDir, digest };
}

/** Unpacks only `app/…` entries, refusing paths that would leave the folder. */
async function unpackApp(layer: Uint8Array, into: string): Promise<void> {
  for (const f of await readTar(layer)) {
    const path = normalize(f.path);
    if (!path.startsWith(`${APP_DIR}/`) || path.includes('..')) continue;
    const target = join(into, path);
    if (f.type === 'directory') await mkdir(target, { recursive: true });
    else if (f.type === 'file' && f.data) {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.data, { mode: f.mode & 0o777 });
    }
  }
}

/** Fills a folder aside and renames it into place, so a cache entry is whole or absent. */
async function writeAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
}

/**
 * What `wasmkube up` serves for an `oci://` app or `--from oci://…`: an app image becomes its manifest
 * (confined to its pulled folder, never built: see pulled-app.ts), a Wasm artifact a local .wasm file.
 * @throws WasmkubeError BAD_ARGUMENT for `--from` naming an app image; OCI_UNSUPPORTED for an app
 *   manifest with `build` steps or sources outside its folder
 */
export async function resolveUpTarget(
  app: string | undefined,
  from: string | undefined,
  opts: ResolveOptions = {},
): Promise<{ app?: string; from?: string; manifest?: AppManifest }> {
  if (from?.startsWith('oci://')) {
    const r = await resolveOciRef(from, opts);
    if (r.kind === 'app') {
      throw new WasmkubeError('BAD_ARGUMENT', `--from ${from} is a wasmkube app image, not one component`, {
        fix: `serve the whole app with \`wasmkube up ${from}\``,
      });
    }
    return { from: r.path };
  }
  if (app?.startsWith('oci://')) {
    const r = await resolveOciRef(app, opts);
    return r.kind === 'app' ? { manifest: await loadPulledApp(r.dir, app) } : { from: r.path };
  }
  return { ...(app === undefined ? {} : { app }), ...(from === undefined ? {} : { from }) };
}

/** The app with every `source: oci://…` service pulled and pointed at its cached .wasm file. */
export async function resolveOciSources(app: AppManifest, opts: ResolveOptions = {}): Promise<AppManifest> {
  const services = [];
  for (const s of app.services) {
    if (s.source.kind !== 'oci') {
      services.push(s);
      continue;
    }
    const r = await resolveOciRef(s.source.ref, opts);
    if (r.kind !== 'wasm') {
      throw new WasmkubeError(
        'BAD_ARGUMENT',
        `service '${s.name}': source oci://${s.source.ref} is an app image, not a Wasm artifact`,
        {
          fix: `point services.${s.name}.source at a service's artifact (REGISTRY/APP-SERVICE:TAG, pushed with --kind wasm)`,
        },
      );
    }
    services.push({ ...s, source: { kind: 'file' as const, path: r.path } });
  }
  return { ...app, services };
}
