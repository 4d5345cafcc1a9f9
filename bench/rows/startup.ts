// Cold start: time from spawning `wasmkube up --from tiny.wasm --listen 127.0.0.1:0` until the first 200
// on `/`. Cold: an empty WASMKUBE_CACHE_DIR; warm: the same cache dir, second start. Median of
// START_RUNS pairs. Includes starting Node itself, as a user would see it.

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { START_RUNS } from '../lib/config.ts';
import { upFrom } from '../lib/host.ts';
import { log, median, NODE24, request, startServer } from '../lib/proc.ts';
import { measured, type Row, type RowSpec, unmeasured } from '../lib/schema.ts';

const COLD: RowSpec = {
  id: 'cold-start-ms',
  what: '`wasmkube up --from tiny.wasm` until the first 200, empty cache',
  target: '≤ 150 ms',
  check: { op: '<=', threshold: 150, of: 'absolute' },
  unit: 'ms',
};
const WARM: RowSpec = {
  id: 'warm-start-ms',
  what: '`wasmkube up --from tiny.wasm` until the first 200, warm cache (second start)',
  target: '≤ 100 ms',
  check: { op: '<=', threshold: 100, of: 'absolute' },
  unit: 'ms',
};

interface Start {
  readonly firstOkMs: number;
  readonly listeningMs: number;
}

async function startOnce(tiny: string, cacheDir: string): Promise<Start> {
  const t0 = performance.now();
  const server = await startServer({
    args: upFrom(tiny, 1),
    env: { ...process.env, WASMKUBE_CACHE_DIR: cacheDir },
    timeoutMs: 30_000,
  });
  try {
    const listeningMs = performance.now() - t0;
    // The listening line comes once the port is bound; poll until the service itself answers 200.
    for (;;) {
      const r = await request(`${server.url}/`, { timeoutMs: 10_000 }).catch(() => undefined);
      if (r?.status === 200) return { firstOkMs: performance.now() - t0, listeningMs };
      if (performance.now() - t0 > 30_000) throw new Error(`no 200 on / within 30 s (last: ${r?.status})`);
      await new Promise((res) => setTimeout(res, 2));
    }
  } finally {
    await server.stop();
  }
}

export async function startupRows(tiny: string): Promise<Row[]> {
  const cold: Start[] = [];
  const warm: Start[] = [];
  const dirs: string[] = [];
  try {
    for (let i = 0; i < START_RUNS; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'wasmkube-bench-cache-'));
      dirs.push(dir);
      cold.push(await startOnce(tiny, dir));
      warm.push(await startOnce(tiny, dir));
      log(
        `  start ${i + 1}/${START_RUNS}: cold ${cold.at(-1)!.firstOkMs.toFixed(1)} ms, warm ${warm.at(-1)!.firstOkMs.toFixed(1)} ms`,
      );
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    log(`  start-up failed: ${reason}`);
    return [unmeasured(COLD, 'failed', reason), unmeasured(WARM, 'failed', reason)];
  } finally {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  // Node's own start, for reading the numbers: spawn to exit of an empty script.
  const nodeMs: number[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    const t0 = performance.now();
    spawnSync(NODE24, ['-e', ''], { stdio: 'ignore' });
    nodeMs.push(performance.now() - t0);
  }
  const detail = (xs: Start[]) => ({
    runs: xs.length,
    nodeEmptyScriptMs: round1(median(nodeMs)),
    listeningMedianMs: round1(median(xs.map((x) => x.listeningMs))),
    minMs: round1(Math.min(...xs.map((x) => x.firstOkMs))),
    maxMs: round1(Math.max(...xs.map((x) => x.firstOkMs))),
  });
  return [
    measured(COLD, median(cold.map((x) => x.firstOkMs)), null, detail(cold)),
    measured(WARM, median(warm.map((x) => x.firstOkMs)), null, detail(warm)),
  ];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
