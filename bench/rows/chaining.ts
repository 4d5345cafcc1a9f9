// The service-chaining row: a request to a tiny component that calls a second service of the app by
// name (`http://hello/`, handed over in process) against a direct request to that second guest, in the
// same app and the same run.

import { rm } from 'node:fs/promises';
import { ROUNDS } from '../lib/config.ts';
import { upDir, writeApp } from '../lib/host.ts';
import { log } from '../lib/proc.ts';
import type { Row, Run } from '../lib/schema.ts';
import { compare, loadRun, type Outcome, type RunSpec } from './throughput.ts';

export async function chainingRows(tiny: string, chain: string): Promise<{ rows: Row[]; runs: Run[] }> {
  const runs: Run[] = [];
  const dir = await writeApp('chain', [
    { name: 'chain', source: chain, routes: ['/chain'], allowedOutboundHosts: ['http://hello'] },
    { name: 'hello', source: tiny, routes: ['/hello'] },
  ]);
  const specs: RunSpec[] = [
    {
      id: 'chain-direct',
      what: 'tiny component, direct request (baseline for chaining)',
      start: { args: upDir(dir, 1) },
      path: '/hello',
    },
    {
      id: 'chain-inproc',
      what: 'chain component → http://hello in process → tiny component',
      start: { args: upDir(dir, 1) },
      path: '/chain',
    },
  ];
  const outcomes = new Map<string, Outcome[]>(specs.map((s) => [s.id, []]));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      log(`  chaining round ${round}/${ROUNDS}`);
      for (const spec of specs) outcomes.get(spec.id)!.push(await loadRun(spec, round, runs));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const row = compare(
    {
      id: 'chain-inproc-rps',
      what: 'a request that chains to a second service in process (wasi:http outgoing-handler)',
      target: '≥ 0.50 × a direct request to the same guest',
      check: { op: '>=', threshold: 0.5, of: 'baseline' },
      unit: 'req/s',
      baselineWhat: 'GET straight to the second service (tiny component), same app, same run',
      baselineLabel: 'direct request',
    },
    outcomes.get('chain-inproc')!,
    outcomes.get('chain-direct')!,
  );
  return { rows: [row], runs };
}
