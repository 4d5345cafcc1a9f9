// Build stamps: a digest of what a service's build read (its watched files, the toolchain version, the
// build settings), kept in <app>/.wasmkube/build/<service>.json so an unchanged service is not rebuilt.

import { createHash } from 'node:crypto';
import { glob, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

export interface StampInputs {
  /** The manifest folder: globs and stamps live relative to it. */
  readonly baseDir: string;
  readonly service: string;
  /** Globs relative to baseDir. */
  readonly watch: readonly string[];
  /** Version of the tools, settings: anything else that changes the output. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Absolute output path (never an input of its own build). */
  readonly output: string;
}

interface Stamp {
  readonly inputs: string;
  readonly output: string;
  readonly files: number;
}

const SKIP = /(^|\/)(node_modules|\.git|\.wasmkube|\.cache)(\/|$)/;

export function stampPath(baseDir: string, service: string): string {
  return join(baseDir, '.wasmkube', 'build', `${service}.json`);
}

async function sha256File(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  } catch {
    return undefined;
  }
}

/** Sorted relative paths of the files the globs match (folders skipped, the output excluded). */
export async function watchedFiles(
  inputs: Pick<StampInputs, 'baseDir' | 'watch' | 'output'>,
): Promise<string[]> {
  const out = new Set<string>();
  const output = resolve(inputs.output);
  for (const pattern of inputs.watch) {
    for await (const entry of glob(pattern, { cwd: inputs.baseDir })) {
      const rel = entry.split('\\').join('/');
      if (SKIP.test(rel) || resolve(inputs.baseDir, rel) === output || rel.endsWith('.wasm')) continue;
      try {
        if ((await stat(join(inputs.baseDir, rel))).isFile()) out.add(rel);
      } catch {
        // Deleted while listing: not an input any more.
      }
    }
  }
  return [...out].sort();
}

/** The digest of everything the build reads, and how many files that was. */
export async function inputDigest(inputs: StampInputs): Promise<{ digest: string; files: number }> {
  const hash = createHash('sha256');
  const field = (v: string | Uint8Array) => {
    const b = typeof v === 'string' ? Buffer.from(v) : v;
    hash.update(`${b.length}:`);
    hash.update(b);
  };
  field('wasmkube-build-stamp/1');
  field(JSON.stringify(inputs.settings, Object.keys(inputs.settings).sort()));
  field(relative(inputs.baseDir, inputs.output));
  const files = await watchedFiles(inputs);
  for (const f of files) {
    field(f);
    field(await readFile(join(inputs.baseDir, f)));
  }
  return { digest: hash.digest('hex'), files: files.length };
}

/** Why a build is needed, or undefined when its stamp shows the output is up to date. */
export async function staleReason(inputs: StampInputs, digest: string): Promise<string | undefined> {
  const outputDigest = await sha256File(inputs.output);
  if (outputDigest === undefined) return `${relative(inputs.baseDir, inputs.output)} is missing`;
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(stampPath(inputs.baseDir, inputs.service), 'utf8')) as Stamp;
  } catch {
    return 'it has no build stamp yet';
  }
  if (stamp.output !== outputDigest)
    return `${relative(inputs.baseDir, inputs.output)} was changed since its build`;
  if (stamp.inputs !== digest) return 'its sources or build settings changed';
  return undefined;
}

export async function writeStamp(inputs: StampInputs, digest: string, files: number): Promise<void> {
  const path = stampPath(inputs.baseDir, inputs.service);
  await mkdir(join(inputs.baseDir, '.wasmkube', 'build'), { recursive: true });
  const stamp: Stamp = { inputs: digest, output: (await sha256File(inputs.output)) ?? '', files };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(stamp, null, 2)}\n`);
  await rename(tmp, path);
}
