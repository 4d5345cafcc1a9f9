// The container image's app layer: the manifest (sources pointing at the bundled .wasm files, build
// steps removed), each service's .wasm, and each component already transpiled into the host's cache
// format, so a container on a read-only root filesystem starts without transpiling.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { WasmkubeError } from '../errors.ts';
import { transpileComponent } from '../host/engines/component/transpile.ts';
import type { LoadedManifest } from '../manifest/index.ts';
import { serviceFilesForLayer } from './app-files.ts';
import type { LayerFile } from './tar-gzip.ts';

/** Where the app lives in the image; `wasmkube up /app` serves it. */
export const APP_DIR = 'app';
/** The host's cache in the image (read-only there: hits only). */
export const APP_CACHE_DIR = `${APP_DIR}/.cache`;

/** Reads each service's .wasm; a missing one names the service and how to build it. */
export async function readServiceFiles(loaded: LoadedManifest): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const s of loaded.app.services) {
    if (s.source.kind !== 'file') {
      throw new WasmkubeError(
        'BAD_ARGUMENT',
        `service '${s.name}': source oci://${s.source.ref} cannot be packaged`,
        {
          fix: `pull it first (wasmkube pull ${s.source.ref} --out DIR) and point services.${s.name}.source at the .wasm`,
        },
      );
    }
    try {
      out.set(s.name, await readFile(s.source.path));
    } catch (cause) {
      throw new WasmkubeError('WASM_NOT_FOUND', `service '${s.name}': cannot read ${s.source.path}`, {
        cause,
        fix: s.build
          ? `build it first: wasmkube build ${loaded.dir}`
          : `check services.${s.name}.source in ${loaded.file}`,
      });
    }
  }
  return out;
}

/** The manifest as shipped: same text and comments, sources rewritten to `services/NAME.wasm`, no build. */
export async function shippedManifest(loaded: LoadedManifest): Promise<string> {
  const doc = parseDocument(await readFile(loaded.file, 'utf8'));
  const services = doc.get('services');
  if (isMap(services)) {
    for (const s of loaded.app.services) {
      doc.setIn(['services', s.name, 'source'], `services/${s.name}.wasm`);
      doc.deleteIn(['services', s.name, 'build']);
    }
  }
  return doc.toString();
}

/** Transpiles the component into a fresh cache folder and returns that folder's files. */
async function transpiledFiles(bytes: Uint8Array, source: string): Promise<LayerFile[]> {
  const staging = await mkdtemp(join(tmpdir(), 'wasmkube-transpile-'));
  const previous = process.env.WASMKUBE_CACHE_DIR;
  process.env.WASMKUBE_CACHE_DIR = staging;
  try {
    await transpileComponent(bytes, source);
  } finally {
    if (previous === undefined) delete process.env.WASMKUBE_CACHE_DIR;
    else process.env.WASMKUBE_CACHE_DIR = previous;
  }
  const files: LayerFile[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else files.push({ path: `${APP_CACHE_DIR}/${relative(staging, path)}`, data: await readFile(path) });
    }
  };
  await walk(staging);
  await rm(staging, { recursive: true, force: true });
  return files;
}

export async function appLayerFiles(
  loaded: LoadedManifest,
  wasm: ReadonlyMap<string, Uint8Array>,
): Promise<LayerFile[]> {
  const files: LayerFile[] = [
    { path: `${APP_DIR}/wasmkube.yaml`, data: Buffer.from(await shippedManifest(loaded)) },
  ];
  for (const [name, bytes] of [...wasm].sort(([a], [b]) => (a < b ? -1 : 1))) {
    files.push({ path: `${APP_DIR}/services/${name}.wasm`, data: bytes });
    // Layer field 1: a component (WAGI modules are compiled at start, nothing to prepare).
    if (bytes[6] === 1) files.push(...(await transpiledFiles(bytes, `${name}.wasm`)));
  }
  files.push(...serviceFilesForLayer(loaded, APP_DIR));
  // Writable mount points for a read-only root filesystem (emptyDir in Kubernetes, tmpfs in podman).
  files.push(
    { path: 'tmp', dir: true, mode: 0o1777, data: new Uint8Array() },
    { path: 'data', dir: true, mode: 0o1777, data: new Uint8Array() },
  );
  return files;
}
