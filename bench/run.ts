// `npm run bench`: req/s and latency of the host against a plain node:http hello-world measured in the
// same run, on the same machine, with the same load; prints a table and writes bench/results/latest.json
// and docs/benchmarks.md. Each load run is bounded in time and stops by itself.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { guestPath } from '../test/helpers/guests.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_S = 2;

interface Row {
  readonly name: string;
  readonly rps: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  ratio?: number;
}

async function startServer(args: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d) => {
      buf += d;
      for (const line of buf.split('\n')) {
        if (!line.includes('"listening"')) continue;
        resolve({ url: JSON.parse(line).url, proc });
        proc.stdout!.removeAllListeners('data');
        proc.stdout!.resume();
        return;
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${args.join(' ')}`)));
  });
}

interface LoadResult {
  readonly rps: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/**
 * wrk (Debian package) when installed: C, one thread, microsecond percentiles. Else autocannon (npm),
 * whose percentiles are whole milliseconds. The same generator serves every row of a run.
 */
const WRK = spawnSync('wrk', ['--version']).error === undefined ? 'wrk' : undefined;

function autocannonLoad(url: string, duration: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration, pipelining: 1 }, (err, r) =>
      err
        ? reject(err)
        : resolve({
            rps: r.requests.average,
            mean: r.latency.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            errors: r.errors + r.timeouts + r.non2xx,
          }),
    );
  });
}

const MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
function wrkMs(text: string, label: RegExp): number {
  const m = label.exec(text);
  if (!m) throw new Error(`wrk output without ${label}:\n${text}`);
  return Number(m[1]) * (MS[m[2]!] ?? 1);
}

function wrkLoad(url: string, duration: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(WRK!, ['-t1', `-c${CONNECTIONS}`, `-d${duration}s`, '--latency', url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('error', reject);
    p.on('exit', () => {
      try {
        const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
        const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
        const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
        resolve({
          rps,
          mean: wrkMs(out, /Latency\s+([\d.]+)(us|ms|s)/),
          p50: wrkMs(out, /50%\s+([\d.]+)(us|ms|s)/),
          p99: wrkMs(out, /99%\s+([\d.]+)(us|ms|s)/),
          errors: Number(bad?.[1] ?? 0) + (sockErr ? sockErr.slice(1).reduce((n, x) => n + Number(x), 0) : 0),
        });
      } catch (err) {
        reject(err);
      }
    });
  });
}

const load = (url: string, duration: number) =>
  WRK ? wrkLoad(url, duration) : autocannonLoad(url, duration);
const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;

async function measure(name: string, args: string[], path: string): Promise<Row> {
  const { url, proc } = await startServer(args);
  try {
    await load(url + path, WARMUP_S);
    const r = await load(url + path, DURATION_S);
    const row: Row = {
      name,
      rps: Math.round(r.rps),
      mean: round(r.mean, 3),
      p50: round(r.p50, 3),
      p99: round(r.p99, 3),
      errors: r.errors,
    };
    process.stderr.write(`  ${name}: ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms\n`);
    return row;
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

const up = (wasm: string, workers = 1) => [
  'bin/wasmkube.js',
  'up',
  '--from',
  wasm,
  '--listen',
  '127.0.0.1:0',
  '--workers',
  String(workers),
  '--log-level',
  'warn',
  '--drain-delay',
  '0s',
];

async function main() {
  process.stderr.write(
    `bench: ${DURATION_S} s per row, ${CONNECTIONS} connections, load from ${WRK ?? 'autocannon (apt-get install wrk for microsecond percentiles)'}\n`,
  );
  const [tiny, wagi, js] = await Promise.all([
    guestPath('hello-component'),
    guestPath('wagi-hello'),
    guestPath('js-component'),
  ]);
  const rows: Row[] = [];
  rows.push(await measure('node:http hello-world (baseline)', ['bench/baseline-server.ts'], '/'));
  rows.push(await measure('host: tiny wasi:http component (WAT)', up(tiny), '/'));
  rows.push(await measure('host: WAGI module (AssemblyScript)', up(wagi), '/'));
  rows.push(await measure('host: JS component (componentize-js)', up(js), '/hello'));
  // Every core: two serving threads on one port (SO_REUSEPORT). The load generator shares the cores, so
  // scaling shows where the guest, not the client, is the bottleneck: the JS component.
  rows.push(await measure('host: tiny component, 2 worker threads', up(tiny, 2), '/'));
  rows.push(await measure('host: JS component, 2 worker threads', up(js, 2), '/hello'));
  const base = rows[0]!.rps;
  for (const r of rows) r.ratio = Math.round((r.rps / base) * 1000) / 1000;

  const machine = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    durationS: DURATION_S,
    connections: CONNECTIONS,
  };
  const byName = (prefix: string) => rows.find((r) => r.name.startsWith(prefix))!;
  const scaling = {
    tiny:
      Math.round((byName('host: tiny component, 2').rps / byName('host: tiny wasi:http').rps) * 100) / 100,
    js: Math.round((byName('host: JS component, 2').rps / byName('host: JS component (').rps) * 100) / 100,
  };
  const table = [
    '| what | req/s | mean ms | p50 ms | p99 ms | × baseline req/s | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.rps} | ${r.mean.toFixed(3)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.ratio!.toFixed(3)} | ${r.errors} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\n${table}\n\n2 threads vs 1: tiny component ${scaling.tiny}×, JS component ${scaling.js}×\n`,
  );
  await mkdir(join(ROOT, 'bench/results'), { recursive: true });
  await writeFile(
    join(ROOT, 'bench/results/latest.json'),
    `${JSON.stringify({ machine, rows, scaling }, null, 2)}\n`,
  );
  await writeFile(
    join(ROOT, 'docs/benchmarks.md'),
    `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts); raw numbers in bench/results/latest.json.

Each row serves \`GET\` hello while ${WRK ? 'wrk (one thread)' : 'autocannon (in the bench process)'} keeps ${CONNECTIONS} connections busy for ${DURATION_S} s after a ${WARMUP_S} s warm-up. The load generator shares the
machine with the server, so compare the ratios (measured in the same run), not the absolute numbers.
Latencies in milliseconds.

Machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}.

${table}

Worker threads (SO_REUSEPORT, one port): 2 serving threads give ${scaling.tiny}× the req/s of 1 thread for
the tiny component and ${scaling.js}× for the JS component, on 2 cores that the load generator shares.
Rows other than those two use one serving thread.

## Where the time goes

\`node --cpu-prof\` on the tiny-component row: most host CPU is jco's generated glue (per-call task
bookkeeping of its component-model async runtime, and the garbage it leaves for V8's GC threads) and the
socket writes; the WAGI row pays for a fresh instance (and a new linear memory) per request. These are
what the host-performance work targets (lean glue for the fixed wasi:http world, pre-warmed instances).
`,
  );
}

await main();
