// `npm run bench`: req/s and latency of the host against a plain node:http hello-world measured in the
// same run, on the same machine, with the same load; prints a table and writes bench/results/latest.json
// and docs/benchmarks.md. Each load run is bounded in time and stops by itself.

import { type ChildProcess, spawn } from 'node:child_process';
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
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
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

function load(
  url: string,
  duration: number,
  opts: Partial<autocannon.Options> = {},
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration, pipelining: 1, ...opts }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}

async function measure(name: string, args: string[], path: string): Promise<Row> {
  const { url, proc } = await startServer(args);
  try {
    await load(url + path, WARMUP_S);
    const r = await load(url + path, DURATION_S);
    const row: Row = {
      name,
      rps: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.timeouts,
      non2xx: r.non2xx,
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
  process.stderr.write(`bench: ${DURATION_S} s per row, ${CONNECTIONS} connections\n`);
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
    '| what | req/s | p50 ms | p99 ms | × baseline req/s | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.ratio!.toFixed(3)} | ${r.errors + r.non2xx} |`,
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

Each row serves \`GET\` hello while autocannon, in the bench process,
keeps ${CONNECTIONS} connections busy for ${DURATION_S} s after a ${WARMUP_S} s warm-up. The load generator shares the
machine with the server, so compare the ratios (measured in the same run), not the absolute numbers.

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
