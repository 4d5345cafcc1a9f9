// The load rows: each server under the same load generator, one after the other, each next to its
// baseline (node:http hello, node:http echo, jco serve, one worker). Returns the issue's rows and the raw
// runs. A server that fails to start, fails its probe or answers with errors fails its row with the
// reason; it never produces a number.

import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONNECTIONS,
  DURATION_S,
  ECHO_BYTES,
  PROFILE,
  PROFILE_DIR,
  ROUNDS,
  WARMUP_S,
} from '../lib/config.ts';
import { upDir, upFrom, writeApp } from '../lib/host.ts';
import { load } from '../lib/load.ts';
import {
  exists,
  freePort,
  log,
  median,
  NODE24,
  oneLine,
  probe,
  ROOT,
  type Server,
  type StartOptions,
  startServer,
} from '../lib/proc.ts';
import { measured, type Row, type RowSpec, type Run, unmeasured } from '../lib/schema.ts';

export interface Guests {
  readonly tiny: string;
  readonly echo: string;
  readonly js: string;
  readonly wagi: string;
}

export interface Outcome {
  readonly run?: Run;
  /** Why there is no usable number (the server did not start, its probe failed, errors under load). */
  readonly error?: string;
  /** The failure was the server not starting at all (for rows that say "not measured" then). */
  readonly notStarted?: boolean;
}

export interface RunSpec {
  readonly id: string;
  readonly what: string;
  readonly start: StartOptions | (() => Promise<StartOptions>);
  readonly path: string;
  readonly post?: boolean;
}

const errMsg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function loadRun(spec: RunSpec, round: number, runs: Run[]): Promise<Outcome> {
  log(`  ${spec.what}: starting`);
  let server: Server;
  try {
    const start = typeof spec.start === 'function' ? await spec.start() : spec.start;
    server = await startServer(PROFILE ? profiled(start, `${spec.id}-r${round}`) : start);
  } catch (err) {
    log(`  ${spec.what}: failed to start: ${errMsg(err)}`);
    return { error: `did not start: ${errMsg(err)}`, notStarted: true };
  }
  try {
    const url = server.url + spec.path;
    const small = Buffer.alloc(1000, 'p');
    await probe(url, spec.post ? { method: 'POST', body: small, expect: small } : {});
    const opts = {
      url,
      connections: CONNECTIONS,
      method: spec.post ? ('POST' as const) : ('GET' as const),
      bodyBytes: spec.post ? ECHO_BYTES : undefined,
    };
    await load({ ...opts, durationS: WARMUP_S });
    const r = await load({ ...opts, durationS: DURATION_S });
    const run: Run = {
      id: spec.id,
      what: spec.what,
      round,
      rps: Math.round(r.rps),
      mean: round3(r.mean),
      p50: round3(r.p50),
      p99: round3(r.p99),
      requests: r.requests,
      errors: r.errors,
      startMs: Math.round(server.readyMs),
    };
    runs.push(run);
    log(`  ${spec.what}: ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.errors} errors`);
    if (run.requests === 0) return { run, error: 'no responses under load' };
    if (run.errors > run.requests * 0.01) {
      return { run, error: `${run.errors} errors in ${run.requests} responses under load` };
    }
    return { run };
  } catch (err) {
    const tail = oneLine(server.output(), 300);
    log(`  ${spec.what}: failed: ${errMsg(err)}`);
    return { error: `${errMsg(err)}${tail ? ` (server said: ${tail})` : ''}` };
  } finally {
    await server.stop();
  }
}

/** The same start under `node --cpu-prof` when it is `wasmkube up` (not the baselines, not jco). */
function profiled(start: StartOptions, name: string): StartOptions {
  if (!start.args.includes('bin/wasmkube.js')) return start;
  return { ...start, args: ['--cpu-prof', '--cpu-prof-dir', join(PROFILE_DIR, name), ...start.args] };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Row from the value runs and their baseline runs (one pair per round, measured next to each other):
 * value and baseline are the medians over rounds, the ratio the median of the per-round ratios (robust
 * to a round disturbed by other load on the machine). Any failed round fails the row.
 */
export function compare(
  spec: RowSpec,
  value: Outcome[],
  baseline: Outcome[],
  metric: 'rps' | 'p99' = 'rps',
): Row {
  const bad = baseline.find((o) => o.error || !o.run);
  if (bad) return unmeasured(spec, 'failed', `baseline: ${bad.error ?? 'no run'}`);
  const failed = value.find((o) => o.error || !o.run);
  if (failed) return unmeasured(spec, 'failed', failed.error ?? 'no run');
  const v = value.map((o) => o.run!);
  const b = baseline.map((o) => o.run!);
  const ratios = v.map((r, i) => r[metric] / b[i]![metric]);
  return measured(
    spec,
    median(v.map((r) => r[metric])),
    median(b.map((r) => r[metric])),
    {
      rounds: v.length,
      roundRatios: ratios.map((x) => x.toFixed(3)).join(' '),
      p50Ms: median(v.map((r) => r.p50)),
      p99Ms: median(v.map((r) => r.p99)),
      baselineP50Ms: median(b.map((r) => r.p50)),
      baselineP99Ms: median(b.map((r) => r.p99)),
      errors: v.reduce((n, r) => n + r.errors, 0),
    },
    median(ratios),
  );
}

const HELLO = 'node:http hello-world, same run';

export async function throughputRows(g: Guests): Promise<{ rows: Row[]; runs: Run[] }> {
  const runs: Run[] = [];
  const freshDir = await writeApp('fresh', [
    { name: 'tiny', source: g.tiny, routes: ['/...'], isolation: 'fresh' },
  ]);
  const jcoDir = join(tmpdir(), `wasmkube-bench-jco-${process.pid}`);
  const specs: RunSpec[] = [
    {
      id: 'node-hello',
      what: 'node:http hello-world (baseline)',
      start: { args: ['bench/baseline-server.ts'] },
      path: '/',
    },
    {
      id: 'tiny-reuse-1w',
      what: 'tiny wasi:http component, reused instance, 1 worker',
      start: { args: upFrom(g.tiny, 1) },
      path: '/',
    },
    {
      id: 'tiny-reuse-2w',
      what: 'tiny wasi:http component, reused instance, 2 workers',
      start: { args: upFrom(g.tiny, 2) },
      path: '/',
    },
    {
      id: 'wagi-fresh',
      what: 'WAGI module (AssemblyScript), fresh instance per request',
      start: { args: upFrom(g.wagi, 1) },
      path: '/',
    },
    {
      id: 'tiny-fresh',
      what: "tiny wasi:http component, isolation 'fresh'",
      start: { args: upDir(freshDir, 1) },
      path: '/',
    },
    {
      id: 'node-echo-64k',
      what: `node:http echo, POST ${ECHO_BYTES / 1024} KiB (baseline)`,
      start: { args: ['bench/echo-server.ts'] },
      path: '/',
      post: true,
    },
    {
      id: 'echo-64k',
      what: `echo component, POST ${ECHO_BYTES / 1024} KiB`,
      start: { args: upFrom(g.echo, 1) },
      path: '/',
      post: true,
    },
    {
      id: 'js-reuse',
      what: 'JS component (componentize-js), wasmkube',
      start: { args: upFrom(g.js, 1) },
      path: '/hello',
    },
    jcoSpec(g.js, jcoDir),
  ];
  const outcomes = new Map<string, Outcome[]>(specs.map((s) => [s.id, []]));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      log(`  round ${round}/${ROUNDS}`);
      for (const spec of specs) {
        const previous = outcomes.get(spec.id)!;
        // A server that could not start once is not tried again.
        if (previous.some((o) => o.notStarted)) continue;
        if (spec.id === 'jco-serve-js' && !exists(JCO_BIN)) {
          previous.push({ error: `${JCO_BIN} is not installed (a dev dependency)`, notStarted: true });
          continue;
        }
        previous.push(await loadRun(spec, round, runs));
      }
    }
  } finally {
    await rm(freshDir, { recursive: true, force: true });
    await rm(jcoDir, { recursive: true, force: true });
  }
  const o = (id: string) => outcomes.get(id)!;

  const rows: Row[] = [
    compare(
      {
        id: 'tiny-reuse-rps',
        what: 'tiny wasi:http component, instance reused, GET hello',
        target: '≥ 0.60 × baseline req/s',
        check: { op: '>=', threshold: 0.6, of: 'baseline' },
        unit: 'req/s',
        baselineWhat: HELLO,
        baselineLabel: 'node:http hello',
      },
      o('tiny-reuse-1w'),
      o('node-hello'),
    ),
    compare(
      {
        id: 'tiny-reuse-p99',
        what: 'tiny wasi:http component, instance reused, GET hello: p99 latency',
        target: '≤ 2 × baseline p99',
        check: { op: '<=', threshold: 2, of: 'baseline' },
        unit: 'ms',
        baselineWhat: HELLO,
        baselineLabel: 'node:http hello',
      },
      o('tiny-reuse-1w'),
      o('node-hello'),
      'p99',
    ),
    compare(
      {
        id: 'wagi-fresh-rps',
        what: 'WAGI module, fresh instance per request',
        target: '≥ 0.40 × baseline req/s',
        check: { op: '>=', threshold: 0.4, of: 'baseline' },
        unit: 'req/s',
        baselineWhat: HELLO,
        baselineLabel: 'node:http hello',
      },
      o('wagi-fresh'),
      o('node-hello'),
    ),
    compare(
      {
        id: 'tiny-fresh-rps',
        what: 'wasi:http component, fresh instance per request (isolation: fresh)',
        target: '≥ 0.30 × baseline req/s',
        check: { op: '>=', threshold: 0.3, of: 'baseline' },
        unit: 'req/s',
        baselineWhat: HELLO,
        baselineLabel: 'node:http hello',
      },
      o('tiny-fresh'),
      o('node-hello'),
    ),
    jcoRow(o('js-reuse'), o('jco-serve-js')),
    compare(
      {
        id: 'echo-64k-rps',
        what: `POST echo of a ${ECHO_BYTES / 1024} KiB body (echo component)`,
        target: '≥ 0.50 × a node:http echo baseline',
        check: { op: '>=', threshold: 0.5, of: 'baseline' },
        unit: 'req/s',
        baselineWhat: 'node:http echo (streams the body back), same run',
        baselineLabel: 'node:http echo',
      },
      o('echo-64k'),
      o('node-echo-64k'),
    ),
    compare(
      {
        id: 'scaling-2w-rps',
        what: 'scaling: tiny component, 2 workers vs 1 worker',
        target: '≥ 1.6 × 1 worker (2 cores, shared with the load generator)',
        check: { op: '>=', threshold: 1.6, of: 'baseline' },
        unit: 'req/s',
        baselineWhat: 'the same component with 1 worker, same run',
        baselineLabel: '1 worker',
      },
      o('tiny-reuse-2w'),
      o('tiny-reuse-1w'),
    ),
  ];
  return { rows, runs };
}

const JCO_BIN = 'node_modules/.bin/jco';

const JCO_SPEC: RowSpec = {
  id: 'js-vs-jco-rps',
  what: 'JS component built by componentize-js (GET /hello)',
  target: '≥ 4 × `jco serve` req/s on the same component',
  check: { op: '>=', threshold: 4, of: 'baseline' },
  unit: 'req/s',
  baselineWhat: '`jco serve` (jco 1.35, Node 24) on the same .wasm, same run',
  baselineLabel: 'jco serve',
};

function jcoSpec(js: string, jcoDir: string): RunSpec {
  return {
    id: 'jco-serve-js',
    what: 'JS component (componentize-js), jco serve (baseline)',
    start: async () => {
      const port = await freePort();
      return {
        cmd: NODE24,
        args: [
          join(ROOT, JCO_BIN),
          'serve',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--jco-dir',
          jcoDir,
          js,
        ],
        // jco serve transpiles the 14 MB component first.
        timeoutMs: 180_000,
        ready: /Server listening @ ([\w.:[\]-]+):(\d+)/,
        urlFrom: (m) => `http://127.0.0.1:${m[2]}`,
      };
    },
    path: '/hello',
  };
}

function jcoRow(js: Outcome[], jco: Outcome[]): Row {
  // jco serve not running here is "not measured" (with why), not a failure of the host.
  const jcoBad = jco.find((o) => o.error || !o.run);
  if (jcoBad) {
    const jsRps = js.filter((o) => o.run && !o.error).map((o) => o.run!.rps);
    return unmeasured(
      JCO_SPEC,
      'not-measured',
      `jco serve: ${jcoBad.error ?? 'no run'}`,
      jsRps.length ? { wasmkubeRps: median(jsRps) } : undefined,
    );
  }
  return compare(JCO_SPEC, js, jco);
}
