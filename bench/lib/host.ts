// How the bench starts `wasmkube up`: from one module, or from a manifest written into a temp dir (for
// what `up --from` has no flag for: isolation, many services).

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// As users get them through bin/wasmkube.js's shebang.
import { NODE_FLAGS } from '../../bin/node-flags.js';

const COMMON = ['--listen', '127.0.0.1:0', '--log-level', 'warn', '--drain-delay', '0s'];

/** `wasmkube up --from FILE` with n serving threads. */
export const upFrom = (wasm: string, workers = 1): string[] => [
  ...NODE_FLAGS,
  'bin/wasmkube.js',
  'up',
  '--from',
  wasm,
  '--workers',
  String(workers),
  ...COMMON,
];

/** `wasmkube up DIR` with n serving threads. */
export const upDir = (dir: string, workers = 1): string[] => [
  ...NODE_FLAGS,
  'bin/wasmkube.js',
  'up',
  dir,
  '--workers',
  String(workers),
  ...COMMON,
];

export interface ServiceDef {
  readonly name: string;
  readonly source: string;
  readonly routes: readonly string[];
  readonly isolation?: 'reuse' | 'fresh';
  /** limits.timeout, e.g. `1s`. */
  readonly timeout?: string;
}

/** Writes wasmkube.yaml (JSON is YAML) for these services into a new temp dir and returns the dir. */
export async function writeApp(name: string, services: readonly ServiceDef[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `wasmkube-bench-${name}-`));
  const lines = ['apiVersion: wasmkube.dev/v1alpha1', `name: ${name}`, 'services:'];
  for (const s of services) {
    const fields = [`source: ${JSON.stringify(s.source)}`, `routes: ${JSON.stringify(s.routes)}`];
    if (s.isolation) fields.push(`isolation: ${s.isolation}`);
    if (s.timeout) fields.push(`limits: { timeout: ${s.timeout} }`);
    lines.push(`  ${s.name}: { ${fields.join(', ')} }`);
  }
  await writeFile(join(dir, 'wasmkube.yaml'), `${lines.join('\n')}\n`);
  return dir;
}
