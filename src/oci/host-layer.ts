// The files of the container image's host layer: the wasmkube sources `wasmkube up` reaches and the
// npm packages they need at run time (their closure in package-lock.json), nothing else: no Kubernetes
// client, no build toolchains. Node.js 24 runs the .ts sources directly.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmkubeError } from '../errors.ts';
import type { LayerFile } from './tar-gzip.ts';

/** The wasmkube checkout or install this code runs from. */
export const WASMKUBE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the host layer puts wasmkube in the image. */
export const HOST_DIR = 'opt/wasmkube';

/** What the image runs: its entrypoint, and the entry files the import graph starts from. */
const ENTRIES = [
  'bin/wasmkube.js',
  'src/cli/main.ts',
  'src/cli/commands/up.ts',
  'src/host/supervisor/worker.ts',
];

const IMPORT_RES = [
  /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g,
  /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
  /import\(\s*['"]([^'"]+)['"]\s*\)/g,
  /new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
];

export interface HostFiles {
  /** Repository-relative source files, sorted. */
  readonly sources: readonly string[];
  /** npm packages, sorted. */
  readonly packages: readonly string[];
}

/**
 * The import graph from the entries: relative imports are followed (dynamic ones too, except the other
 * commands main.ts loads lazily), bare specifiers name packages.
 */
export function hostImportGraph(root: string = WASMKUBE_ROOT): HostFiles {
  const sources = new Set<string>();
  const bare = new Set<string>();
  const visit = (rel: string) => {
    if (sources.has(rel)) return;
    sources.add(rel);
    const text = readFileSync(join(root, rel), 'utf8');
    // main.ts loads every command lazily; the image only runs `up`, which is an entry of its own.
    const lazy = rel !== 'src/cli/main.ts';
    IMPORT_RES.forEach((re, i) => {
      if (i === 2 && !lazy) return;
      for (const m of text.matchAll(re)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(root, dirname(rel), spec));
          if (/\.(ts|js|mjs)$/.test(target) && existsSync(join(root, target))) visit(target);
        } else {
          bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    });
  };
  for (const e of ENTRIES) visit(e);
  return { sources: [...sources].sort(), packages: [...bare].sort() };
}

interface LockPackage {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly dev?: boolean;
}

/** Package folders (relative to root, `node_modules/…`) the packages need, resolved as Node does. */
export function packageClosure(packages: readonly string[], root: string = WASMKUBE_ROOT): string[] {
  let lock: { packages: Record<string, LockPackage> };
  try {
    lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  } catch (cause) {
    // The lock file is what says which installed package versions the host runs with.
    throw new WasmkubeError(
      'BUILD_FAILED',
      `cannot read ${join(root, 'package-lock.json')} for the host layer`,
      {
        cause,
        fix: 'build container images from a wasmkube checkout installed with `npm ci`',
      },
    );
  }
  const found = new Set<string>();
  const resolveFrom = (from: string, name: string): string | undefined => {
    // Node looks in the nearest node_modules first, then each parent's.
    let dir = from;
    for (;;) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock.packages[candidate] && existsSync(join(root, candidate))) return candidate;
      if (!dir) return undefined;
      const up = dir.lastIndexOf('/node_modules/');
      dir = up === -1 ? '' : dir.slice(0, up);
    }
  };
  const add = (path: string) => {
    if (found.has(path)) return;
    found.add(path);
    const info = lock.packages[path]!;
    const deps = { ...info.dependencies, ...info.optionalDependencies, ...info.peerDependencies };
    for (const name of Object.keys(deps).sort()) {
      const dep = resolveFrom(path, name);
      if (dep) add(dep);
    }
  };
  for (const name of packages) {
    const path = resolveFrom('', name);
    if (path) add(path);
  }
  return [...found].filter((p) => !UNUSED_AT_RUN_TIME.has(p)).sort();
}

/**
 * jco-transpile depends on binaryen (93 MB) only to run wasm-opt and wasm2js, options the host never
 * uses; every component in the image is transpiled at build time anyway.
 */
const UNUSED_AT_RUN_TIME = new Set(['node_modules/binaryen']);

/** Type declarations, source maps and docs are not run; they would only make the layer bigger. */
function skip(name: string): boolean {
  return /\.d\.[cm]?ts$|\.map$|\.md$/i.test(name) || name === '.bin';
}

function listTree(root: string, rel: string, out: string[], nested: boolean): void {
  for (const name of readdirSync(join(root, rel)).sort()) {
    if (skip(name) || (!nested && name === 'node_modules')) continue;
    const path = `${rel}/${name}`;
    const st = statSync(join(root, path));
    if (st.isDirectory()) listTree(root, path, out, nested);
    else if (st.isFile()) out.push(path);
  }
}

/** The host layer's files, under `opt/wasmkube/`, with their modes. */
export function hostLayerFiles(root: string = WASMKUBE_ROOT): LayerFile[] {
  const { sources, packages } = hostImportGraph(root);
  const files: string[] = [...sources];
  for (const pkg of packageClosure(packages, root)) listTree(root, pkg, files, false);
  const pkgJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const manifest = {
    name: pkgJson.name,
    version: pkgJson.version,
    type: 'module',
    private: true,
    bin: pkgJson.bin,
  };
  return [
    { path: `${HOST_DIR}/package.json`, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    ...files.map((f) => ({
      path: `${HOST_DIR}/${f}`,
      data: readFileSync(join(root, f)),
      mode: statSync(join(root, f)).mode & 0o111 ? 0o755 : 0o644,
    })),
  ];
}
