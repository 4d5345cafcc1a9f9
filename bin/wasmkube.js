#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point: wasmkube runs on Node.js 24 (type stripping, JSPI, reusePort). Where the node on PATH is
// older, re-run with the node@24 that the package pins as a dependency, passing signals through so
// SIGTERM still drains the host.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from './node-flags.js';

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
  const child = spawn(pinned, [...NODE_FLAGS, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
  });
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const signal of signals) process.on(signal, () => child.kill(signal));
  // Under npx/npm run, SIGTERM goes to npm's `sh -c`, which dies without passing it on: our parent
  // exiting is that signal (src/cli/npm-parent.ts does the same where no re-exec happens).
  if (process.env.npm_execpath !== undefined || process.env.npm_command !== undefined) {
    const parent = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer);
      child.kill('SIGTERM');
    }, 250);
    timer.unref();
  }
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so whoever waits on us sees what happened.
      for (const s of signals) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  // A reader that went away (`wasmkube schema | head -1`) is the end of the output, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  // V8's compiled code (and Node's type-stripped sources) cached on disk: a warm start skips both.
  // Best effort: a read-only filesystem just means no cache.
  const cache = cacheDir();
  try {
    module.enableCompileCache?.(cache && join(cache, 'node-compile-cache'));
  } catch {}
  // The compile cache does not spare Node stripping the types of every .ts file at each start (a wasm
  // parser, most of a warm start): the stripped sources are kept by content digest instead.
  if (
    cache &&
    typeof module.registerHooks === 'function' &&
    typeof module.stripTypeScriptTypes === 'function'
  ) {
    module.registerHooks({ load: strippedTypeScript(join(cache, 'stripped-ts')) });
  }
  await import('../src/cli/main.ts');
}

/** A load hook for wasmkube's own .ts files that serves their type-stripped JavaScript from `dir`. */
function strippedTypeScript(dir) {
  const src = new URL('../src/', import.meta.url).href;
  return (url, context, nextLoad) => {
    if (!url.startsWith(src) || !url.endsWith('.ts')) return nextLoad(url, context);
    const ts = readFileSync(new URL(url), 'utf8');
    const file = join(dir, `${createHash('sha256').update(ts).digest('hex').slice(0, 32)}.js`);
    let js;
    try {
      js = readFileSync(file, 'utf8');
    } catch {
      js = quietly(() => module.stripTypeScriptTypes(ts, { mode: 'strip' }));
      try {
        mkdirSync(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, js);
        renameSync(tmp, file);
      } catch {}
    }
    return { format: 'module', source: js, shortCircuit: true };
  };
}

/** Runs `fn` without Node's "experimental feature" warning on stderr. */
function quietly(fn) {
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}

/** wasmkube's cache folder, as src/host/engines/cache-dir.ts has it. */
function cacheDir() {
  return (
    process.env.WASMKUBE_CACHE_DIR ??
    (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'wasmkube') : undefined) ??
    (homedir() ? join(homedir(), '.cache', 'wasmkube') : undefined)
  );
}
