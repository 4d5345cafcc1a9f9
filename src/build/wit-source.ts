// Reads a WIT directory (root package plus deps/<name>/*.wit) into one WIT source string, so the
// in-process wasm-tools can take it as text instead of reading files through a WASI filesystem shim.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WasmkubeError } from '../errors.ts';

const PACKAGE_DECL = /^\s*package\s+([^;{\s]+)\s*;/m;

async function witFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.wit'))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Each dependency package becomes a nested `package ns:name@v { ... }` block after the root package,
 * which wit-parser accepts in a single source since WIT's multi-package files.
 */
async function packageBlock(dir: string): Promise<string> {
  const files = await witFiles(dir);
  let name: string | undefined;
  const bodies: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const match = PACKAGE_DECL.exec(text);
    if (match) name ??= match[1];
    bodies.push(match ? text.replace(match[0], '') : text);
  }
  if (name === undefined) {
    throw new WasmkubeError('BUILD_FAILED', `WIT package in ${dir} has no \`package\` declaration`, {
      fix: 'Start one .wit file of every dependency folder with `package namespace:name@version;`.',
    });
  }
  return `package ${name} {\n${bodies.join('\n')}\n}\n`;
}

/** Returns the root package of `witDir` followed by every package under `witDir/deps/`, sorted by folder. */
export async function readWitSource(witDir: string): Promise<string> {
  let rootFiles: string[];
  try {
    rootFiles = await witFiles(witDir);
  } catch (cause) {
    throw new WasmkubeError('BUILD_FAILED', `cannot read WIT directory ${witDir}`, {
      cause,
      fix: 'Pass a folder that holds .wit files (and a deps/ folder for dependencies).',
    });
  }
  if (rootFiles.length === 0) {
    throw new WasmkubeError('BUILD_FAILED', `WIT directory ${witDir} has no .wit file for its root package`, {
      fix: 'Add a root .wit file, e.g. `package my:service;` with the world you build.',
    });
  }
  const parts = await Promise.all(rootFiles.map((f) => readFile(f, 'utf8')));
  const depsDir = join(witDir, 'deps');
  let deps: string[] = [];
  try {
    deps = (await readdir(depsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    // No deps/ folder: the root package stands alone.
  }
  for (const dep of deps) parts.push(await packageBlock(join(depsDir, dep)));
  return parts.join('\n');
}
