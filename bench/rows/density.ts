// 1,000 services in one process: a manifest of alternating tiny components and WAGI modules on /s0 …
// /s999 (all pointing at the same two files), `up` with 1 worker; then idle RSS, the latency of the
// first request to never-used services, and whether every service answers 200. Bounded: start-up has a
// timeout, every request has one, and a broken host gives "failed: reason" rows, not numbers.

import { copyFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { DENSITY_SERVICES, DENSITY_START_TIMEOUT_S } from '../lib/config.ts';
import { upDir, writeApp } from '../lib/host.ts';
import { log, median, oneLine, request, rssMiB, type Server, startServer } from '../lib/proc.ts';
import { measured, type Row, type RowSpec, unmeasured } from '../lib/schema.ts';

const N = DENSITY_SERVICES;

const RSS: RowSpec = {
  id: 'density-idle-rss',
  what: `${N} services in one process (1 worker): idle RSS after start`,
  target: '≤ 512 MB (MiB here)',
  check: { op: '<=', threshold: 512, of: 'absolute' },
  unit: 'MiB',
};
const FIRST: RowSpec = {
  id: 'density-first-request-ms',
  what: `${N} services: first request to a never-used service (median of 20)`,
  target: '≤ 20 ms',
  check: { op: '<=', threshold: 20, of: 'absolute' },
  unit: 'ms',
};
const ALL: RowSpec = {
  id: 'density-all-answer',
  what: `${N} services: services answering 200`,
  target: `all ${N} answer`,
  check: { op: '>=', threshold: N, of: 'absolute' },
  unit: 'count',
};

/** 20 distinct indices spread over the range, half tiny (even) and half WAGI (odd). */
function sampleIndices(n: number, count: number): number[] {
  const picks = new Set<number>();
  const step = Math.max(1, Math.floor(n / count));
  for (let i = 0; picks.size < Math.min(count, n) && i < n * 2; i++) picks.add((i * step + (i % 2)) % n);
  return [...picks];
}

export async function densityRows(tiny: string, wagi: string): Promise<Row[]> {
  const services = Array.from({ length: N }, (_, i) => ({
    name: `s${i}`,
    source: i % 2 === 0 ? 'tiny.wasm' : 'wagi.wasm',
    routes: [`/s${i}`],
  }));
  const dir = await writeApp('density', services);
  await copyFile(tiny, join(dir, 'tiny.wasm'));
  await copyFile(wagi, join(dir, 'wagi.wasm'));
  let server: Server | undefined;
  const fail = (reason: string, detail?: Row['detail']): Row[] => {
    log(`  density failed: ${reason}`);
    return [RSS, FIRST, ALL].map((s) => unmeasured(s, 'failed', reason, detail));
  };
  try {
    log(`  ${N} services: starting (timeout ${DENSITY_START_TIMEOUT_S} s)`);
    try {
      server = await startServer({ args: upDir(dir, 1), timeoutMs: DENSITY_START_TIMEOUT_S * 1000 });
    } catch (err) {
      return fail(`did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    const startupMs = Math.round(server.readyMs);
    log(`  ${N} services: listening after ${startupMs} ms`);
    // Idle: give start-up work (GC, lazy compilation) a second to settle, then read VmRSS.
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = await rssMiB(server.proc.pid!);
    const detail: Record<string, number | string | null> = { startupMs };

    // First request to never-used services, one at a time over one kept-alive connection (already
    // open, so the connect is not counted).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first: number[] = [];
    const firstByKind: Record<'tiny' | 'wagi', number[]> = { tiny: [], wagi: [] };
    const firstFailures: string[] = [];
    try {
      await request(`${server.url}/health`, { agent, timeoutMs: 10_000 });
      for (const i of sampleIndices(N, 20)) {
        const r = await request(`${server.url}/s${i}`, { agent, timeoutMs: 10_000 }).catch((err: Error) => ({
          status: 0,
          ms: Number.NaN,
          body: Buffer.from(err.message),
        }));
        if (r.status !== 200) firstFailures.push(`/s${i}: ${r.status || oneLine(r.body.toString(), 100)}`);
        else {
          first.push(r.ms);
          firstByKind[i % 2 === 0 ? 'tiny' : 'wagi'].push(r.ms);
        }
      }
    } finally {
      agent.destroy();
    }
    detail.firstTinyMedianMs = round2(median(firstByKind.tiny));
    detail.firstWagiMedianMs = round2(median(firstByKind.wagi));
    detail.firstMaxMs = first.length ? round2(Math.max(...first)) : null;

    // Every service, 8 at a time.
    const t0 = performance.now();
    const statuses = new Map<number, number>();
    let ok = 0;
    let next = 0;
    const statusOf = (i: number) =>
      request(`${server!.url}/s${i}`, { timeoutMs: 10_000 }).then(
        (r) => r.status,
        () => 0,
      );
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < N) {
          const status = await statusOf(next++);
          if (status === 200) ok++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    detail.allAnswerS = round2((performance.now() - t0) / 1000);
    detail.statuses = [...statuses].map(([s, n]) => `${s || 'error'}×${n}`).join(' ');
    const rssAfter = await rssMiB(server.proc.pid!);
    detail.rssAfterAllMiB = rssAfter === undefined ? null : Math.round(rssAfter);
    log(
      `  ${N} services: idle RSS ${idleRss?.toFixed(0)} MiB, first request median ${median(first).toFixed(2)} ms, ${ok}/${N} answered 200 (${detail.statuses}), RSS after all ${detail.rssAfterAllMiB} MiB`,
    );

    const rows: Row[] = [];
    rows.push(
      idleRss === undefined
        ? unmeasured(RSS, 'not-measured', '/proc/PID/status is not readable here', detail)
        : measured(RSS, idleRss, null, detail),
    );
    rows.push(
      firstFailures.length > 0
        ? unmeasured(
            FIRST,
            'failed',
            `${firstFailures.length} of 20 first requests did not answer 200: ${firstFailures.slice(0, 3).join('; ')}`,
            detail,
          )
        : measured(FIRST, median(first), null, detail),
    );
    rows.push(measured(ALL, ok, null, detail));
    return rows;
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const round2 = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : Number.NaN);
