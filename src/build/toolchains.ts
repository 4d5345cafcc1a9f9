// The declared toolchains of wasmkube.yaml (`build: { toolchain, entry }`): each one run by wasmkube
// itself, from its own dependencies and vendored WIT, so an app anywhere on disk builds the same way.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmkubeError } from '../errors.ts';
import { cacheDir } from '../host/engines/cache-dir.ts';
import type { Toolchain } from '../manifest/types.ts';
import { assemblyScriptVersion } from './assemblyscript.ts';
import { cachedBuild } from './cache.ts';
import { clangVersion } from './clang.ts';
import { componentizeJs, componentizeJsVersion } from './componentize.ts';
import { buildCached } from './index.ts';
import { buildRustWagi, rustcVersion } from './rust.ts';

/** What one toolchain build needs. */
export interface ToolchainBuild {
  readonly toolchain: Toolchain;
  /** Absolute path of the main source file. */
  readonly entry: string;
  /** Absolute path of the .wasm to write. */
  readonly output: string;
  /** WIT world for ts/js/wat. @default DEFAULT_SERVICE_WORLD */
  readonly world?: string;
  /** The app folder: error messages name files relative to it. @default the entry's folder */
  readonly baseDir?: string;
}

/** wasi:http/proxy plus wasi:cli/environment: what the `wasmkube/http` handler API needs. */
export const DEFAULT_SERVICE_WORLD = 'wasmkube:guests/http-service@0.1.0';
const WIT = fileURLToPath(new URL('../../wit', import.meta.url));
const HTTP_API = fileURLToPath(new URL('../guest/http.ts', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./componentize-preload.ts', import.meta.url));
const SPIN_CHILD = fileURLToPath(new URL('./spin-child.ts', import.meta.url));
/** Our own revision of these builds: bump it when the same inputs should give different bytes. */
const REVISION = '1';

/** Which engine runs the output: components are transpiled for the host at build time. */
export function producesComponent(toolchain: Toolchain): boolean {
  return toolchain === 'ts' || toolchain === 'js' || toolchain === 'wat' || toolchain === 'spin';
}

/** A dependency's version, from its package.json (found above its entry when it exports none). */
async function packageVersion(name: string): Promise<string> {
  try {
    const url = new URL(import.meta.resolve(`${name}/package.json`));
    return (JSON.parse(await readFile(url, 'utf8')) as { version: string }).version;
  } catch {
    // Its exports map hides package.json: look above its entry instead.
  }
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === name) return pkg.version;
    } catch {
      // No package.json here: look further up.
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

const versions = new Map<Toolchain, Promise<string>>();

/** The versions of the tools a toolchain runs: part of every build's stamp. */
export function toolchainVersion(toolchain: Toolchain): Promise<string> {
  let v = versions.get(toolchain);
  if (!v) {
    v = (async () => {
      switch (toolchain) {
        case 'ts':
        case 'js':
          return `esbuild ${await packageVersion('esbuild')}, componentize-js ${await componentizeJsVersion()}`;
        case 'spin':
          return `esbuild ${await packageVersion('esbuild')}, @spinframework/build-tools ${await packageVersion('@spinframework/build-tools')}`;
        case 'assemblyscript':
          return assemblyScriptVersion();
        case 'c':
          return clangVersion();
        case 'rust':
          return rustcVersion();
        case 'wat':
          return `wat ${await packageVersion('@bytecodealliance/jco-transpile')}`;
      }
    })();
    versions.set(toolchain, v);
    v.catch(() => versions.delete(toolchain));
  }
  return v;
}

/** esbuild's first errors as `file:line:column: message`, the form editors and terminals link. */
function bundleFailure(entry: string, baseDir: string, err: unknown): WasmkubeError {
  const errors =
    (
      err as {
        errors?: {
          text: string;
          location?: { file: string; line: number; column: number; lineText: string } | null;
        }[];
      }
    ).errors ?? [];
  const lines = errors
    .slice(0, 5)
    .map((e) =>
      e.location
        ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: error: ${e.text}\n    ${e.location.lineText}`
        : `error: ${e.text}`,
    );
  return new WasmkubeError(
    'BUILD_FAILED',
    `${relative(baseDir, entry)}: bundling failed:\n${lines.join('\n') || String(err)}`,
    {
      cause: err,
      fix: 'fix the error at the file and line above',
    },
  );
}

/** Bundles `entry` and what it imports into one ES module, as componentize-js takes it. */
async function bundle(entry: string, out: string, withHttpApi: boolean, baseDir: string): Promise<void> {
  const esbuild = await import('esbuild');
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['module', 'main'],
      conditions: ['workerd', 'worker', 'browser'],
      // The WASI interfaces are the component's imports, provided by componentize-js's bindings.
      external: ['wasi:*', 'fermyon:*', 'spin:*'],
      ...(withHttpApi ? { alias: { 'wasmkube/http': HTTP_API } } : {}),
      logLevel: 'silent',
      // esbuild names files in its messages relative to this.
      absWorkingDir: baseDir,
    });
  } catch (err) {
    throw bundleFailure(entry, baseDir, err);
  }
}

function runChild(script: string, args: unknown, what: string, fix: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, script, JSON.stringify(args)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new WasmkubeError(
            'BUILD_FAILED',
            `${what} failed (${signal ?? `exit code ${code}`}):\n${stderr.trim()}`,
            { fix },
          ),
        );
    });
  });
}

/** Runs `build.toolchain` on `build.entry` and writes `build.output`. */
export async function runToolchain(build: ToolchainBuild): Promise<void> {
  const { toolchain, entry, output } = build;
  await mkdir(dirname(output), { recursive: true });
  const buildCache = cacheDir('build');
  let built: string;
  switch (toolchain) {
    case 'ts':
    case 'js':
    case 'spin': {
      const work = await mkdtemp(join(tmpdir(), 'wasmkube-bundle-'));
      try {
        const bundled = join(work, 'bundle.js');
        await bundle(entry, bundled, toolchain !== 'spin', build.baseDir ?? dirname(entry));
        const world = build.world ?? DEFAULT_SERVICE_WORLD;
        // Keyed by the bundle's bytes: an edit anywhere in what the entry imports changes it.
        const result =
          toolchain === 'spin'
            ? await cachedBuild(
                {
                  builder: { name: 'spin-js', version: `${REVISION}+${await toolchainVersion('spin')}` },
                  inputs: [bundled, join(findPackageDir(entry), 'package.json')],
                  cacheDir: buildCache,
                },
                (tmp) =>
                  runChild(
                    SPIN_CHILD,
                    { bundle: bundled, appDir: findPackageDir(entry), out: tmp },
                    `the Spin JS build of ${entry}`,
                    'check the guest registers a fetch handler and its package.json depends on @spinframework/wasi-http-proxy',
                  ),
              )
            : await cachedBuild(
                {
                  builder: {
                    name: 'componentize-js-bundle',
                    version: `${REVISION}+${await toolchainVersion(toolchain)}`,
                  },
                  inputs: [bundled, WIT],
                  options: { world },
                  cacheDir: buildCache,
                },
                (tmp) => componentizeJs({ source: bundled, witDir: WIT, world, out: tmp }),
              );
        built = result.path;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      break;
    }
    case 'wat':
      built = (
        await buildCached(
          { kind: 'wat', source: entry, witDir: WIT, world: build.world ?? DEFAULT_SERVICE_WORLD },
          { cacheDir: buildCache },
        )
      ).path;
      break;
    case 'assemblyscript':
      built = (await buildCached({ kind: 'assemblyscript', source: entry }, { cacheDir: buildCache })).path;
      break;
    case 'c':
      built = (await buildCached({ kind: 'c', source: entry }, { cacheDir: buildCache })).path;
      break;
    case 'rust':
      built = (
        await cachedBuild(
          {
            builder: { name: 'rustc-wagi', version: `${REVISION}+${await toolchainVersion('rust')}` },
            inputs: [dirname(entry)],
            options: { entry: relative(dirname(entry), entry) },
            cacheDir: buildCache,
          },
          (tmp) => buildRustWagi({ source: entry, out: tmp }),
        )
      ).path;
      break;
  }
  await copyFile(built, output);
}

/** The nearest folder with a package.json above `file`: a Spin guest's dependencies name its WIT. */
function findPackageDir(file: string): string {
  let dir = dirname(file);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(file);
    dir = up;
  }
}
