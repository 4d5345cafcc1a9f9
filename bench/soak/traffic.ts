// Well-behaved traffic for the soak: a weighted mix of GET and POST to both guest kinds, 1 B to 1 MiB
// bodies, keep-alive and not, paced to a target rate (or flat out to find the peak), checked and timed.

import http from 'node:http';

export interface TrafficKind {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly keepAlive: boolean;
  /** POST bodies are drawn log-uniformly from 1 B to this many bytes and must come back as sent. */
  readonly maxBody?: number;
  /** What a GET must answer. */
  readonly expect?: string;
  readonly weight: number;
}

/** The mix: a hello component and a WAGI hello (GET), the echo component and a WAGI echo (POST). */
export const MIX: readonly TrafficKind[] = [
  {
    name: 'component GET keep-alive',
    method: 'GET',
    path: '/hello',
    keepAlive: true,
    weight: 4,
    expect: 'hello from wasm\n',
  },
  {
    name: 'component GET close',
    method: 'GET',
    path: '/hello',
    keepAlive: false,
    weight: 1,
    expect: 'hello from wasm\n',
  },
  {
    name: 'wagi GET keep-alive',
    method: 'GET',
    path: '/wagi',
    keepAlive: true,
    weight: 3,
    expect: 'hello from wagi\n',
  },
  {
    name: 'wagi GET close',
    method: 'GET',
    path: '/wagi',
    keepAlive: false,
    weight: 1,
    expect: 'hello from wagi\n',
  },
  {
    name: 'component POST keep-alive',
    method: 'POST',
    path: '/echo',
    keepAlive: true,
    weight: 2,
    maxBody: 1 << 20,
  },
  {
    name: 'component POST close',
    method: 'POST',
    path: '/echo',
    keepAlive: false,
    weight: 1,
    maxBody: 1 << 20,
  },
  {
    name: 'wagi POST keep-alive',
    method: 'POST',
    path: '/wt/echo',
    keepAlive: true,
    weight: 2,
    maxBody: 1 << 20,
  },
  {
    name: 'wagi POST close',
    method: 'POST',
    path: '/wt/echo',
    keepAlive: false,
    weight: 1,
    maxBody: 1 << 20,
  },
];

export interface TrafficStats {
  requests: number;
  ok: number;
  /** Anything but a 2xx with the expected body: status, or the client-side error code. */
  failures: Map<string, number>;
  /** Latency of every completed request in ms (one run is at most a few million numbers). */
  latencies: number[];
  /** The same latencies by kind name. */
  byKind: Map<string, number[]>;
  bytes: number;
  /** A few failure messages, for the report. */
  samples: string[];
}

export const newStats = (): TrafficStats => ({
  requests: 0,
  ok: 0,
  failures: new Map(),
  latencies: [],
  byKind: new Map(),
  bytes: 0,
  samples: [],
});

export function failureCount(s: TrafficStats): number {
  let n = 0;
  for (const v of s.failures.values()) n += v;
  return n;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// One shared source of body bytes; each body is a slice with its first bytes stamped, so an echo that
// returned someone else's body would not compare equal.
const POOL = Buffer.alloc(1 << 20, 'abcdefghijklmnopqrstuvwxyz0123456789');

function pick(mix: readonly TrafficKind[], total: number): TrafficKind {
  let r = Math.random() * total;
  for (const k of mix) {
    r -= k.weight;
    if (r < 0) return k;
  }
  return mix[mix.length - 1]!;
}

export interface TrafficOptions {
  readonly base: string;
  /** Requests per second in all; 0 means as fast as `concurrency` closed-loop clients go. */
  readonly rate: number;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly mix?: readonly TrafficKind[];
  /** Per-request bound: a request not answered by then counts as a failure ('timeout'). */
  readonly timeoutMs?: number;
}

/** Runs the mix until the duration is over; resolves when every request it started has ended. */
export async function runTraffic(
  opts: TrafficOptions,
  stats: TrafficStats = newStats(),
): Promise<TrafficStats> {
  const mix = opts.mix ?? MIX;
  const total = mix.reduce((n, k) => n + k.weight, 0);
  // Idle sockets are dropped before the host's keep-alive timeout (5 s): a client that reuses a socket the
  // host is closing at that very moment gets a reset, the usual HTTP/1.1 keep-alive race.
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, timeout: 3000 });
  const url = new URL(opts.base);
  const end = performance.now() + opts.durationMs;
  const t0 = performance.now();
  let started = 0;
  const worker = async () => {
    while (performance.now() < end) {
      if (opts.rate > 0) {
        // Paced: request n starts at t0 + n/rate, whichever worker is free takes it.
        const due = t0 + (started / opts.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (performance.now() >= end) break;
      }
      started++;
      await one(pick(mix, total), url, agent, stats, opts.timeoutMs ?? 10_000);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  agent.destroy();
  return stats;
}

function one(
  kind: TrafficKind,
  url: URL,
  agent: http.Agent,
  stats: TrafficStats,
  timeoutMs: number,
): Promise<void> {
  const size = kind.maxBody ? Math.floor(2 ** (Math.random() * Math.log2(kind.maxBody))) : 0;
  const body = kind.maxBody ? Buffer.from(POOL.subarray(0, size)) : undefined;
  if (body && size >= 8) body.writeUInt32BE(stats.requests >>> 0, 0);
  const fail = (why: string, detail: string) => {
    stats.failures.set(why, (stats.failures.get(why) ?? 0) + 1);
    if (stats.samples.length < 10) stats.samples.push(`${kind.name} ${kind.path} (${size} B): ${detail}`);
  };
  stats.requests++;
  const t = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, why = '', detail = '') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (ok) {
        stats.ok++;
        const ms = performance.now() - t;
        stats.latencies.push(ms);
        const list = stats.byKind.get(kind.name);
        if (list) list.push(ms);
        else stats.byKind.set(kind.name, [ms]);
      } else fail(why, detail);
      resolve();
    };
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: kind.path,
        method: kind.method,
        agent: kind.keepAlive ? agent : false,
        headers: {
          ...(body ? { 'content-type': 'application/octet-stream', 'content-length': String(size) } : {}),
          ...(kind.keepAlive ? {} : { connection: 'close' }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? 'response error', e.message));
        res.on('end', () => {
          const got = Buffer.concat(chunks);
          stats.bytes += got.length + size;
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299)
            finish(false, String(status), `${status} ${got.toString().slice(0, 200)}`);
          else if (!res.complete) finish(false, 'truncated', `response cut off after ${got.length} bytes`);
          else if (body && !got.equals(body))
            finish(false, 'wrong body', `echo of ${size} B came back as ${got.length} B`);
          else if (kind.expect !== undefined && got.toString() !== kind.expect)
            finish(false, 'wrong body', JSON.stringify(got.toString().slice(0, 80)));
          else finish(true);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      finish(false, 'timeout', `no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? 'error', e.message));
    req.end(body);
  });
}
