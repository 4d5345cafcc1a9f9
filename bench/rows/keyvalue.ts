// The key-value row (issue 9): a tiny component that reads and writes one key of a sqlite store per
// request (guests/wat/kv-component.wat), against the tiny hello component, each round side by side.

import { rm } from 'node:fs/promises';
import { ROUNDS } from '../lib/config.ts';
import { upDir, upFrom, writeApp } from '../lib/host.ts';
import { log } from '../lib/proc.ts';
import type { Row, Run } from '../lib/schema.ts';
import { compare, loadRun, type Outcome, type RunSpec } from './throughput.ts';

export async function keyValueRows(tiny: string, kv: string): Promise<{ rows: Row[]; runs: Run[] }> {
  const runs: Run[] = [];
  const dir = await writeApp('kv', [{ name: 'kv', source: kv, routes: ['/...'], keyValue: ['default'] }]);
  const specs: RunSpec[] = [
    {
      id: 'tiny-hello-kv-baseline',
      what: 'tiny wasi:http component, hello (baseline of the key-value row)',
      start: { args: upFrom(tiny, 1) },
      path: '/',
    },
    {
      id: 'kv-sqlite-1w',
      what: 'tiny component, wasi:keyvalue get + set per request, sqlite store',
      start: { args: upDir(dir, 1) },
      path: '/',
    },
  ];
  const outcomes = new Map<string, Outcome[]>(specs.map((s) => [s.id, []]));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      log(`  key-value round ${round}/${ROUNDS}`);
      for (const spec of specs) outcomes.get(spec.id)!.push(await loadRun(spec, round, runs));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const row = compare(
    {
      id: 'kv-sqlite-rps',
      what: 'key-value get + set per request on sqlite (tiny component)',
      target: '≥ 0.50 × the hello row',
      check: { op: '>=', threshold: 0.5, of: 'baseline' },
      unit: 'req/s',
      baselineWhat: 'the tiny hello component, 1 worker, same run',
      baselineLabel: 'tiny hello',
    },
    outcomes.get('kv-sqlite-1w')!,
    outcomes.get('tiny-hello-kv-baseline')!,
  );
  return { rows: [row], runs };
}
