// The soak run: warm up, measure the peak of the good mix, run it at ~70% of that alone (baseline) and
// then beside the misbehaving mix, watching the host; then the rolling-update drill. Bounded, 127.0.0.1.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NODE_FLAGS } from '../../bin/node-flags.js';
import { guestPath } from '../../test/helpers/guests.ts';
import { startServer } from '../lib/proc.ts';
import { startMisbehaving } from './misbehave.ts';
import { type HostSample, healthy, metricSum, sampleHost } from './probe.ts';
import { failureCount, newStats, percentile, runTraffic, type TrafficStats } from './traffic.ts';

export interface SoakOptions {
  /** Warm-up, peak, baseline and soak phases together. */
  readonly durationS: number;
  /** @default true */
  readonly drill?: boolean;
  /** @default 1 */
  readonly workers?: number;
  readonly log?: (line: string) => void;
}

export interface PhaseSummary {
  readonly seconds: number;
  readonly requests: number;
  readonly ok: number;
  readonly failures: Record<string, number>;
  readonly samples: readonly string[];
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** p99 of the component hello GETs on kept-alive connections alone. */
  readonly helloP99Ms: number;
}

export interface SoakResult {
  readonly durationS: number;
  readonly workers: number;
  readonly peakRps: number;
  readonly targetRps: number;
  readonly baseline: PhaseSummary;
  readonly soak: PhaseSummary;
  readonly misbehaving: ReturnType<typeof startMisbehaving>['stats'];
  /** Host samples during the soak phase: the first after warm-up, the last after the mix stopped. */
  readonly samples: readonly HostSample[];
  /** /health probes during the soak phase that got no 200 within 10 s. */
  readonly healthFailures: number;
  readonly healthMaxMs: number;
  readonly hostAlive: boolean;
  readonly drill?: DrillResult;
}

export interface DrillResult {
  readonly swaps: number;
  readonly requests: number;
  readonly failures: Record<string, number>;
  readonly samples: readonly string[];
  /** Exit codes of the replaced hosts after SIGTERM (null: still running 20 s later). */
  readonly oldExits: readonly (number | null)[];
  /** Requests the new host had answered by the end (from its /metrics). */
  readonly newHostRequests: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

function summary(s: TrafficStats, ms: number): PhaseSummary {
  return {
    seconds: Math.round(ms / 100) / 10,
    requests: s.requests,
    ok: s.ok,
    failures: Object.fromEntries(s.failures),
    samples: s.samples,
    rps: Math.round(s.ok / (ms / 1000)),
    p50Ms: round(percentile(s.latencies, 50)),
    p99Ms: round(percentile(s.latencies, 99)),
    helloP99Ms: round(percentile(s.byKind.get('component GET keep-alive') ?? [], 99)),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Writes the soak app (hello, echo, wagi, wt and the looping `spin`) into a new temp dir. */
export async function writeSoakApp(workers: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-soak-'));
  const [hello, echo, wagiHello, wagiTest] = await Promise.all([
    guestPath('hello-component'),
    guestPath('echo-component'),
    guestPath('wagi-hello'),
    guestPath('wagi-test'),
  ]);
  await writeFile(
    join(dir, 'wasmkube.yaml'),
    `apiVersion: wasmkube.dev/v1alpha1
name: soak
host:
  workers: ${workers}
  shutdown: { drainDelay: 1s, gracePeriod: 10s }
services:
  hello: { source: ${JSON.stringify(hello)}, routes: ["/hello"] }
  echo: { source: ${JSON.stringify(echo)}, routes: ["/echo"], limits: { maxBodySize: 2Mi } }
  wagi: { source: ${JSON.stringify(wagiHello)}, routes: ["/wagi"] }
  wt: { source: ${JSON.stringify(wagiTest)}, routes: ["/wt"], limits: { maxBodySize: 2Mi } }
  spin: { source: ${JSON.stringify(wagiTest)}, routes: ["/spin"], limits: { timeout: 1s, concurrency: 4 } }
`,
  );
  return dir;
}

/** `wasmkube up DIR --reuse-port` on 127.0.0.1:PORT (0: any), so a successor can join its port. */
export function startSoakHost(dir: string, port: number) {
  return startServer({
    args: [
      ...NODE_FLAGS,
      'bin/wasmkube.js',
      'up',
      dir,
      '--listen',
      `127.0.0.1:${port}`,
      '--reuse-port',
      '--log-level',
      'error',
    ],
    timeoutMs: 120_000,
  });
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? (() => {});
  const workers = opts.workers ?? 1;
  const dir = await writeSoakApp(workers);
  const total = opts.durationS * 1000;
  const warmMs = clamp(total * 0.05, 2000, 20_000);
  const peakMs = clamp(total * 0.1, 4000, 30_000);
  const baseMs = clamp(total * 0.2, 5000, 120_000);
  const soakMs = Math.max(5000, total - warmMs - peakMs - baseMs);

  const host = await startSoakHost(dir, 0);
  const base = host.url;
  const pid = host.proc.pid!;
  try {
    log(`soak: host ${base} (pid ${pid}, ${workers} worker(s)); warm-up ${warmMs / 1000} s`);
    await runTraffic({ base, rate: 0, concurrency: 8, durationMs: warmMs });
    const peakStats = await runTraffic({ base, rate: 0, concurrency: 16, durationMs: peakMs });
    const peakRps = Math.round(peakStats.ok / (peakMs / 1000));
    const targetRps = Math.max(1, Math.round(peakRps * 0.7));
    log(`soak: peak ${peakRps} req/s (${failureCount(peakStats)} failures); target ${targetRps} req/s`);

    const baseline = await runTraffic({ base, rate: targetRps, concurrency: 32, durationMs: baseMs });
    log(`soak: baseline ${baseMs / 1000} s: p99 ${round(percentile(baseline.latencies, 99))} ms`);

    const samples: HostSample[] = [];
    const t0 = performance.now();
    samples.push(await sampleHost(base, pid, t0));
    const bad = startMisbehaving({
      base,
      slowHeaders: 20,
      idle: 50,
      nonReaders: 6,
      loopers: 8,
      loopPath: '/spin/loop',
      echoPath: '/echo',
    });
    let healthFailures = 0;
    let healthMaxMs = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        await sleep(Math.min(10_000, soakMs / 6));
        if (!watching) break;
        const h0 = performance.now();
        const ok = await healthy(base, 10_000);
        const ms = performance.now() - h0;
        healthMaxMs = Math.max(healthMaxMs, ms);
        if (!ok) healthFailures++;
        const s = await sampleHost(base, pid, t0);
        samples.push(s);
        log(
          `soak: ${Math.round(s.atMs / 1000)} s rss ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB fds ${s.fds} handles ${s.handles} instances ${s.instancesCreated} /health ${ms.toFixed(0)} ms`,
        );
      }
    })();
    const soak = await runTraffic({ base, rate: targetRps, concurrency: 32, durationMs: soakMs });
    watching = false;
    await watcher;
    await bad.stop();
    // Let the host notice the closed connections and the loopers' last deadlines pass.
    await sleep(2500);
    samples.push(await sampleHost(base, pid, t0));
    const hostAlive = host.proc.exitCode === null && (await healthy(base));
    const result: SoakResult = {
      durationS: opts.durationS,
      workers,
      peakRps,
      targetRps,
      baseline: summary(baseline, baseMs),
      soak: summary(soak, soakMs),
      misbehaving: bad.stats,
      samples,
      healthFailures,
      healthMaxMs: Math.round(healthMaxMs),
      hostAlive,
    };
    if (opts.drill === false) return result;
    return { ...result, drill: await drill(dir, base, host, targetRps, log) };
  } finally {
    await host.stop();
  }
}

/**
 * Rolling update on one port, `swaps` times: a new host joins the port (SO_REUSEPORT), the current one
 * gets SIGTERM under load and drains; every request across the swaps must succeed. Stops every host
 * it started.
 */
export async function drill(
  dir: string,
  base: string,
  first: Awaited<ReturnType<typeof startSoakHost>>,
  rate: number,
  log: (line: string) => void,
  swaps = 1,
): Promise<DrillResult> {
  const stats = newStats();
  const port = Number(new URL(base).port);
  let traffic = true;
  const load = (async () => {
    while (traffic)
      await runTraffic({ base, rate: Math.max(20, rate / 2), concurrency: 16, durationMs: 1000 }, stats);
  })();
  let current = first;
  const exits: (number | null)[] = [];
  let newHostRequests = 0;
  try {
    for (let i = 0; i < swaps; i++) {
      await sleep(1000);
      const next = await startSoakHost(dir, port);
      log(`drill: new host on port ${port} (pid ${next.proc.pid}); SIGTERM to pid ${current.proc.pid}`);
      const old = current;
      current = next;
      const exited = new Promise<number | null>((r) => {
        if (old.proc.exitCode !== null) r(old.proc.exitCode);
        else old.proc.once('exit', (code) => r(code));
      });
      old.proc.kill('SIGTERM');
      exits.push(await Promise.race([exited, sleep(20_000).then(() => null)]));
      await old.stop();
    }
    await sleep(2000);
    traffic = false;
    await load;
    const text = await fetch(`${current.url}/metrics`).then((r) => r.text());
    newHostRequests = metricSum(text, 'wasmkube_http_requests_total');
  } finally {
    traffic = false;
    await load;
    await current.stop();
  }
  const result: DrillResult = {
    swaps,
    requests: stats.requests,
    failures: Object.fromEntries(stats.failures),
    samples: stats.samples,
    oldExits: exits,
    newHostRequests,
  };
  log(
    `drill: ${swaps} swap(s), ${result.requests} requests, ${failureCount(stats)} failed; exits ${exits.join(', ')}`,
  );
  return result;
}
