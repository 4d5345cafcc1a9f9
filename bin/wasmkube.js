#!/usr/bin/env node
// Entry point: wasmkube runs on Node.js 24 (type stripping, JSPI, reusePort). Where the node on PATH is
// older, re-run with the node@24 that the package pins as a dependency.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const pinned = join(here, '..', 'node_modules', '.bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `error: wasmkube needs Node.js 24 or later (this is ${process.version})\n  fix: run npm install in the wasmkube folder, or install Node.js 24\n`,
    );
    process.exit(69);
  }
  const r = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
await import('../src/cli/main.ts');
