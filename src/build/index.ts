// The build library behind `wasmkube build` and the test guests: one spec type for every toolchain,
// built through the content-addressed cache.

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { assemblyScriptVersion, buildAssemblyScriptWagi } from './assemblyscript.ts';
import { type CacheResult, cachedBuild } from './cache.ts';
import { buildCWagi, clangVersion } from './clang.ts';
import { componentizeJs, componentizeJsVersion, DEFAULT_WORLD } from './componentize.ts';
import { buildWatComponent, WAT_BUILDER } from './wat.ts';

export { type AssemblyScriptWagiOptions, buildAssemblyScriptWagi } from './assemblyscript.ts';
export { type BuilderId, type CacheRequest, type CacheResult, cachedBuild, cacheKey } from './cache.ts';
export { buildCWagi, type CWagiOptions, hasWasiClang } from './clang.ts';
export { type ComponentizeJsOptions, componentizeJs, DEFAULT_WORLD } from './componentize.ts';
export { buildWatComponent } from './wat.ts';

/** What to build; `witDir`/`world` apply to components only. */
export type BuildSpec =
  | { readonly kind: 'wat'; readonly source: string; readonly witDir: string; readonly world?: string }
  | { readonly kind: 'js'; readonly source: string; readonly witDir: string; readonly world?: string }
  | { readonly kind: 'assemblyscript'; readonly source: string; readonly optimize?: boolean }
  | { readonly kind: 'c'; readonly source: string };

export type BuildKind = BuildSpec['kind'];

export interface BuildOptions {
  /**
   * Cache folder.
   * @default '<cwd>/.cache/wasmkube/build'
   */
  readonly cacheDir?: string;
}

// Our own revision of each builder: bump it when the same inputs should give different bytes.
const REVISION = '1';

/**
 * Builds `spec` unless the cache already holds the output for the same builder version, input bytes
 * and options; resolves with the cached file's path.
 */
export async function buildCached(spec: BuildSpec, options: BuildOptions = {}): Promise<CacheResult> {
  const source = resolve(spec.source);
  switch (spec.kind) {
    case 'wat': {
      const world = spec.world ?? DEFAULT_WORLD;
      return cachedBuild(
        {
          builder: {
            name: WAT_BUILDER.name,
            version: `${WAT_BUILDER.version}+${await jcoTranspileVersion()}`,
          },
          inputs: [source, resolve(spec.witDir)],
          options: { world },
          cacheDir: options.cacheDir,
        },
        async (tmp) =>
          writeFile(
            tmp,
            await buildWatComponent(await readFile(source, 'utf8'), resolve(spec.witDir), world, source),
          ),
      );
    }
    case 'js': {
      const world = spec.world ?? DEFAULT_WORLD;
      return cachedBuild(
        {
          builder: { name: 'componentize-js', version: `${REVISION}+${await componentizeJsVersion()}` },
          // The whole folder: a JS guest may import its neighbours.
          inputs: [dirname(source), resolve(spec.witDir)],
          options: { entry: source.slice(dirname(source).length + 1), world },
          cacheDir: options.cacheDir,
        },
        (tmp) => componentizeJs({ source, witDir: spec.witDir, world, out: tmp }),
      );
    }
    case 'assemblyscript': {
      const optimize = spec.optimize ?? true;
      return cachedBuild(
        {
          builder: { name: 'assemblyscript-wagi', version: `${REVISION}+${await assemblyScriptVersion()}` },
          inputs: [source],
          options: { optimize },
          cacheDir: options.cacheDir,
        },
        (tmp) => buildAssemblyScriptWagi({ entry: source, out: tmp, optimize }),
      );
    }
    case 'c':
      return cachedBuild(
        {
          builder: { name: 'clang-wagi', version: `${REVISION}+${await clangVersion()}` },
          inputs: [source],
          cacheDir: options.cacheDir,
        },
        (tmp) => buildCWagi({ source, out: tmp }),
      );
  }
}

async function jcoTranspileVersion(): Promise<string> {
  const pkg = new URL('../package.json', import.meta.resolve('@bytecodealliance/jco-transpile'));
  return (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
}
