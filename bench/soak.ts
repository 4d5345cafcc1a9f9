// `npm run soak`: the bounded soak and rolling-update drill of bench/soak/run.ts, on 127.0.0.1. Duration
// from SOAK_DURATION (seconds, default 600), serving threads from SOAK_WORKERS (default 1); the result
// goes to bench/results/soak.json and a summary to stderr. Exits 1 if a well-behaved request failed.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log, ROOT } from './lib/proc.ts';
import { runSoak } from './soak/run.ts';

const durationS = Number(process.env.SOAK_DURATION ?? 600);
const workers = Number(process.env.SOAK_WORKERS ?? 1);
if (!(durationS >= 20 && durationS <= 24 * 3600) || !(Number.isInteger(workers) && workers >= 1)) {
  log('SOAK_DURATION must be seconds from 20 to 86400, SOAK_WORKERS a whole number from 1');
  process.exit(2);
}
const started = new Date().toISOString();
const r = await runSoak({ durationS, workers, log });
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const first = r.samples[0]!;
const last = r.samples[r.samples.length - 1]!;
const failed = (f: Record<string, number>) => Object.values(f).reduce((n, x) => n + x, 0);
log(`
soak ${durationS} s, ${workers} worker(s): peak ${r.peakRps} req/s, target ${r.targetRps} req/s
  baseline  ${r.baseline.seconds} s: ${r.baseline.requests} requests, ${failed(r.baseline.failures)} failed, p50 ${r.baseline.p50Ms} ms, p99 ${r.baseline.p99Ms} ms (hello ${r.baseline.helloP99Ms} ms)
  with mix  ${r.soak.seconds} s: ${r.soak.requests} requests, ${failed(r.soak.failures)} failed, p50 ${r.soak.p50Ms} ms, p99 ${r.soak.p99Ms} ms (hello ${r.soak.helloP99Ms} ms)
  p99 ratio ${(r.soak.p99Ms / r.baseline.p99Ms).toFixed(2)}, hello p99 ratio ${(r.soak.helloP99Ms / r.baseline.helloP99Ms).toFixed(2)}
  rss ${mib(first.rssBytes)} → ${mib(last.rssBytes)}; fds ${first.fds} → ${last.fds}; handles ${first.handles} → ${last.handles}; instances created ${first.instancesCreated} → ${last.instancesCreated}; wasm memory ${mib(first.wasmMemoryBytes)} → ${mib(last.wasmMemoryBytes)}
  /health: ${r.healthFailures} unanswered (slowest ${r.healthMaxMs} ms); host alive: ${r.hostAlive}
  misbehaving: opened ${JSON.stringify(r.misbehaving.opened)}, closed by host ${JSON.stringify(r.misbehaving.closedByHost)}, looping guest ${JSON.stringify(r.misbehaving.loopStatuses)}
  drill: ${r.drill ? `${r.drill.requests} requests, ${failed(r.drill.failures)} failed, replaced hosts exited ${r.drill.oldExits.join(', ')}, new host served ${r.drill.newHostRequests}` : 'skipped'}
${[...r.baseline.samples, ...r.soak.samples, ...(r.drill?.samples ?? [])].map((s) => `  failure: ${s}`).join('\n')}`);
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(join(ROOT, 'bench/results/soak.json'), `${JSON.stringify({ started, ...r }, null, 2)}\n`);
const bad = failed(r.baseline.failures) + failed(r.soak.failures) + (r.drill ? failed(r.drill.failures) : 0);
process.exit(bad === 0 && r.hostAlive ? 0 : 1);
