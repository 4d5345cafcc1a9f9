// What the soak watches on the host process: RSS and open descriptors from /proc/PID (Linux), and
// handles, instances, in-flight requests and wasm memory from its own /metrics.

import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';

export interface HostSample {
  readonly atMs: number;
  readonly rssBytes: number;
  /** Entries of /proc/PID/fd. */
  readonly fds: number;
  /** nodejs_active_handles_total, or -1 when /metrics did not answer. */
  readonly handles: number;
  /** Sum of wasmkube_instances_created_total. */
  readonly instancesCreated: number;
  /** Sum of wasmkube_wasm_memory_bytes: linear memory held by live instances. */
  readonly wasmMemoryBytes: number;
  readonly inFlight: number;
  /** How long /metrics took to answer, ms. */
  readonly metricsMs: number;
}

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

async function fds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

function getText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode}`))));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Sum of every sample of a metric (all label sets) in Prometheus text. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) {
      sum += value;
      seen = true;
    }
  }
  return seen ? sum : -1;
}

export async function sampleHost(base: string, pid: number, t0: number): Promise<HostSample> {
  const start = performance.now();
  const text = await getText(`${base}/metrics`, 10_000).catch(() => '');
  const metricsMs = performance.now() - start;
  return {
    atMs: Math.round(performance.now() - t0),
    rssBytes: await rss(pid),
    fds: await fds(pid),
    handles: metricSum(text, 'nodejs_active_handles_total'),
    instancesCreated: metricSum(text, 'wasmkube_instances_created_total'),
    wasmMemoryBytes: metricSum(text, 'wasmkube_wasm_memory_bytes'),
    inFlight: metricSum(text, 'wasmkube_http_requests_in_flight'),
    metricsMs: Math.round(metricsMs),
  };
}

/** Whether /health answers 200 within the bound. */
export async function healthy(base: string, timeoutMs = 5000): Promise<boolean> {
  return getText(`${base}/health`, timeoutMs).then(
    () => true,
    () => false,
  );
}
