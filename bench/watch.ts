// `npm run bench:watch`: edit-to-first-response under `wasmkube up --watch` (save a source file, poll
// until a request answers with the edit), next to a cold build + `up` of the same service in the same
// run, for the http-ts template (esbuild + componentize-js) and a WAT component. Writes bench/results/watch.json.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'bin/wasmkube.js');
const EDITS = Number(process.env.BENCH_EDITS ?? 3);
const TARGET_MS = 3000;
/** In every marker: each run's sources are new to every content cache, so the cold figure is cold. */
const RUN = Date.now().toString(36).slice(-5);
const log = (l: string) => process.stderr.write(`${l}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Guest {
  readonly id: string;
  /** The file edited, relative to the app. */
  readonly file: string;
  /** Makes the app in `dir` (an empty folder); returns the original text of `file`. */
  readonly create: (dir: string) => Promise<string>;
  readonly path: string;
  /** The source answering `marker` on `path`. */
  readonly variant: (text: string, marker: string) => string;
}

/** `wasmkube ARGS` in `cwd`, to completion. */
function cli(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`wasmkube ${args.join(' ')}: ${err}`)),
    );
  });
}

const GUESTS: Guest[] = [
  {
    // What a new user gets: `wasmkube init` + `wasmkube new http-ts api`, built by the ts toolchain.
    id: 'http-ts',
    file: 'api/src/index.ts',
    create: async (dir) => {
      await cli(['init', dir], tmpdir());
      await cli(['new', 'http-ts', 'api'], dir);
      return readFile(join(dir, 'api/src/index.ts'), 'utf8');
    },
    path: '/api',
    variant: (t, m) => t.replace('} from api`', `} from api ${m}\``),
  },
  {
    id: 'wat-component',
    file: 'src/app.wat',
    create: async (dir) => {
      const text = await readFile(join(ROOT, 'guests/wat/hello-component.wat'), 'utf8');
      await mkdir(join(dir, 'src'));
      await writeFile(
        join(dir, 'wasmkube.yaml'),
        `apiVersion: wasmkube.dev/v1alpha1
name: bench
services:
  api:
    source: dist/api.wasm
    build: { command: "node ${join(ROOT, 'src/build/cli.ts')} wat src/app.wat -o dist/api.wasm", watch: ["src/**"] }
    routes: ["/..."]
`,
      );
      return text;
    },
    path: '/',
    // Same length as "hello from wasm\n": the guest writes a fixed number of bytes.
    variant: (t, m) => t.replaceAll('"hello from wasm\\n"', `"${m.padEnd(15).slice(0, 15)}\\n"`),
  },
];

function up(dir: string, watch: boolean): Promise<{ proc: ChildProcess; url: string; out: () => string }> {
  const proc = spawn(
    process.execPath,
    [
      CLI,
      'up',
      dir,
      '--listen',
      '127.0.0.1:0',
      '--workers',
      '1',
      '--log-level',
      'warn',
      ...(watch ? ['--watch'] : []),
    ],
    // A cache of its own: the cold figure includes transpiling the component for the host.
    {
      env: { ...process.env, WASMKUBE_CACHE_DIR: join(dir, '.host-cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  proc.stderr!.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`up did not listen in 300 s:\n${out}`)), 300_000);
    const check = setInterval(() => {
      const m = /"msg":"listening","url":"([^"]+)"/.exec(out);
      if (m) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ proc, url: m[1]!, out: () => out });
      } else if (proc.exitCode !== null) {
        clearInterval(check);
        clearTimeout(timer);
        reject(new Error(`up exited:\n${out}`));
      }
    }, 20);
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.on('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

/** Milliseconds from `since` until GET url answers 200 with `marker` in its body (bounded). */
async function untilAnswer(url: string, marker: string, since: number, timeoutMs = 300_000): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    try {
      const res = await fetch(url, { headers: { connection: 'close' } });
      if (res.status === 200 && (await res.text()).includes(marker)) return performance.now() - since;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} never answered ${marker}`);
}

const rows: {
  id: string;
  coldMs: number;
  editMs: number[];
  medianEditMs: number;
  /** From up's `reloaded` lines: the rebuild, and loading + swapping in the new module. */
  buildMs: number[];
  swapMs: number[];
}[] = [];
for (const g of GUESTS) {
  const dir = await mkdtemp(join(tmpdir(), `wasmkube-bench-watch-${g.id}-`));
  try {
    const original = await g.create(dir);
    await writeFile(join(dir, g.file), g.variant(original, `v${RUN}-0`));
    // Cold: nothing built, empty build and host caches; `up` builds, transpiles, serves.
    log(`bench: ${g.id}: cold build + up`);
    const t0 = performance.now();
    const cold = await up(dir, true);
    const coldMs = await untilAnswer(`${cold.url}${g.path}`, `v${RUN}-0`, t0);
    const editMs: number[] = [];
    for (let i = 1; i <= EDITS; i++) {
      const marker = `v${RUN}-${i}`;
      const t = performance.now();
      await writeFile(join(dir, g.file), g.variant(original, marker));
      editMs.push(await untilAnswer(`${cold.url}${g.path}`, marker, t));
      log(`bench: ${g.id}: edit ${i}: ${Math.round(editMs.at(-1)!)} ms`);
    }
    await stop(cold.proc);
    const reloaded = cold
      .out()
      .split('\n')
      .filter((l) => l.includes('"msg":"reloaded"'))
      .map((l) => JSON.parse(l) as { buildMs: number; swapMs: number });
    rows.push({
      id: g.id,
      coldMs: Math.round(coldMs),
      editMs: editMs.map(Math.round),
      medianEditMs: Math.round(median(editMs)),
      buildMs: reloaded.map((r) => r.buildMs),
      swapMs: reloaded.map((r) => r.swapMs),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const results = {
  machine: { cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`, load1: loadavg()[0] },
  targetMs: TARGET_MS,
  rows,
};
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(join(ROOT, 'bench/results/watch.json'), `${JSON.stringify(results, null, 2)}\n`);
const lines = [
  '| guest | cold build + up → first response | edit → first response on the new version (median) | each edit | of which rebuild / swap (median) | target ≤ 3 s |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.id} | ${(r.coldMs / 1000).toFixed(1)} s | ${(r.medianEditMs / 1000).toFixed(2)} s | ${r.editMs.map((m) => (m / 1000).toFixed(2)).join(', ')} s | ${(median(r.buildMs) / 1000).toFixed(2)} s / ${(median(r.swapMs) / 1000).toFixed(2)} s | ${r.medianEditMs <= TARGET_MS ? 'met' : 'missed'} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
