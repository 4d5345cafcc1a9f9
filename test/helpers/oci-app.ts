// Fixtures for the OCI tests: a two-service app (a wasi:http component and a WAGI module, built from
// source by guests.ts) in a temp folder, and the CLI run with its own environment.

import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  sha256,
} from '../../src/oci/index.ts';
import { guestPath } from './guests.ts';
import { runCli } from './host.ts';

export const DEMO_MANIFEST = `# two services: a component and a WAGI module
apiVersion: wasmkube.dev/v1alpha1
name: demo
host:
  workers: 1
services:
  hello:
    source: hello.wasm
    routes: ["/hello"]
  greet:
    source: greet.wasm
    routes: ["/greet"]
`;

const made: string[] = [];

/** A temp folder that removeTempDirs() deletes (layouts and base images here are tens of MB). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** A fresh app folder: hello (hello-component) on /hello, greet (wagi-hello) on /greet. */
export async function demoApp(manifest: string = DEMO_MANIFEST): Promise<string> {
  const dir = await tempDir('wasmkube-oci-app-');
  await copyFile(await guestPath('hello-component'), join(dir, 'hello.wasm'));
  await copyFile(await guestPath('wagi-hello'), join(dir, 'greet.wasm'));
  await writeFile(join(dir, 'wasmkube.yaml'), manifest);
  return dir;
}

/** Runs `wasmkube ARGS` to completion with extra environment variables. */
export function wasmkube(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, { env, timeoutMs });
}

/**
 * A wasmkube-style app image made by hand, as anyone could push one: an app layer holding `app/wasmkube.yaml`
 * with the given text and the given extra `app/…` files, on no base (resolving it reads only the app layer).
 */
export async function handMadeAppImage(
  manifest: string,
  files: Readonly<Record<string, Uint8Array>> = {},
): Promise<Image> {
  const entries: LayerFile[] = [
    { path: 'app/wasmkube.yaml', data: Buffer.from(manifest) },
    ...Object.entries(files).map(([path, data]) => ({ path: `app/${path}`, data })),
  ];
  const tar = await deterministicTar(entries);
  const layer = blobOf(MEDIA.layerGzip, deterministicGzip(tar), {
    annotations: { 'dev.wasmkube.layer': 'app' },
  });
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
  };
  return assembleImage(blobOf(MEDIA.imageConfig, canonicalJson(config)), [layer]);
}
