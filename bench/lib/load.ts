// Load generation for the bench: wrk (C, one thread, microsecond percentiles) when installed, else
// autocannon (npm, whole-millisecond percentiles). One generator serves every row of a run. Each run is
// bounded by its duration plus a grace period, and POST bodies go through a Lua script written to a temp
// file (wrk has no body flag).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly durationS: number;
  readonly connections: number;
  readonly method?: 'GET' | 'POST';
  /** Request body size in bytes for POST (filled with 'x'). */
  readonly bodyBytes?: number;
}

export interface LoadResult {
  readonly rps: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  /** Responses counted: 2xx and 3xx only under wrk's own accounting, everything under autocannon. */
  readonly requests: number;
  /** Non-2xx/3xx responses plus socket errors and timeouts. */
  readonly errors: number;
}

export const WRK: string | undefined =
  spawnSync('wrk', ['--version']).error === undefined ? 'wrk' : undefined;
export const GENERATOR = WRK ? 'wrk (one thread)' : 'autocannon (in the bench process)';

export function load(opts: LoadOptions): Promise<LoadResult> {
  return WRK ? wrkLoad(opts) : autocannonLoad(opts);
}

function autocannonLoad(opts: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: opts.durationS,
        pipelining: 1,
        method: opts.method ?? 'GET',
        body: opts.bodyBytes ? Buffer.alloc(opts.bodyBytes, 'x') : undefined,
        headers: opts.bodyBytes ? { 'content-type': 'application/octet-stream' } : undefined,
      },
      (err, r) =>
        err
          ? reject(err)
          : resolve({
              rps: r.requests.average,
              mean: r.latency.average,
              p50: r.latency.p50,
              p99: r.latency.p99,
              requests: r.requests.total,
              errors: r.errors + r.timeouts + r.non2xx,
            }),
    );
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function wrkMs(text: string, label: RegExp): number {
  const m = label.exec(text);
  if (!m) throw new Error(`wrk output without ${label}:\n${text}`);
  return Number(m[1]) * (UNIT_MS[m[2]!] ?? 1);
}

/** Parses `wrk --latency` output. Exported for a unit check of the parser. */
export function parseWrk(out: string): LoadResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`wrk output without Requests/sec:\n${out}`);
  const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps,
    mean: wrkMs(out, /Latency\s+([\d.]+)(us|ms|s|m)\b/),
    p50: wrkMs(out, /50%\s+([\d.]+)(us|ms|s|m)\b/),
    p99: wrkMs(out, /99%\s+([\d.]+)(us|ms|s|m)\b/),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    errors: Number(bad?.[1] ?? 0) + (sockErr ? sockErr.slice(1).reduce((n, x) => n + Number(x), 0) : 0),
  };
}

async function wrkLoad(opts: LoadOptions): Promise<LoadResult> {
  let dir: string | undefined;
  const args = ['-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, '--timeout', '5s', '--latency'];
  try {
    if (opts.method === 'POST') {
      dir = await mkdtemp(join(tmpdir(), 'wasmkube-bench-wrk-'));
      const script = join(dir, 'post.lua');
      await writeFile(
        script,
        [
          'wrk.method = "POST"',
          `wrk.body = string.rep("x", ${opts.bodyBytes ?? 0})`,
          'wrk.headers["Content-Type"] = "application/octet-stream"',
          '',
        ].join('\n'),
      );
      args.push('-s', script);
    }
    args.push(opts.url);
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(WRK!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      p.stdout.on('data', (d) => {
        text += d;
      });
      p.stderr.on('data', (d) => {
        text += d;
      });
      // wrk stops by itself after -d; this only guards against a wedged server.
      const guard = setTimeout(() => p.kill('SIGKILL'), (opts.durationS + 15) * 1000);
      p.on('error', (err) => {
        clearTimeout(guard);
        reject(err);
      });
      p.on('exit', () => {
        clearTimeout(guard);
        resolve(text);
      });
    });
    return parseWrk(out);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
