#!/usr/bin/env node
// Entry point: wasmkube runs on Node.js 24 (type stripping, JSPI, reusePort). Where the node on PATH is
// older, re-run with the node@24 that the package pins as a dependency, passing signals through so
// SIGTERM still drains the host.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
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
  // Its own process group: a signal sent to ours (Ctrl-C, kill -- -PGID) reaches it once, through us,
  // not twice (which the host would take as "exit now, skip the drain").
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
  });
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const signal of signals) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so whoever waits on us sees what happened.
      for (const s of signals) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  // V8's compiled code (and Node's type-stripped sources) cached on disk: a warm start skips both.
  // Best effort: a read-only filesystem just means no cache.
  try {
    module.enableCompileCache?.(compileCacheDir());
  } catch {}
  await import('../src/cli/main.ts');
}

/** Beside wasmkube's other caches (src/host/cache-dir.ts); Node's default otherwise. */
function compileCacheDir() {
  const base =
    process.env.WASMKUBE_CACHE_DIR ??
    (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'wasmkube') : undefined) ??
    (homedir() ? join(homedir(), '.cache', 'wasmkube') : undefined);
  return base === undefined ? undefined : join(base, 'node-compile-cache');
}
