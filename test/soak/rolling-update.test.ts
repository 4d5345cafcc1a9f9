// The rolling-update drill of `npm run soak` on its own: under load, a new host joins the port
// (`up --reuse-port`) and the old one gets SIGTERM and drains, twice in a row; no request fails.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drill, startSoakHost, writeSoakApp } from '../../bench/soak/run.ts';

test('two rolling updates on one port under load lose no request', async () => {
  const dir = await writeSoakApp(1);
  const first = await startSoakHost(dir, 0);
  const lines: string[] = [];
  const r = await drill(dir, first.url, first, 200, (l) => lines.push(l), 2);
  const why = `\n${lines.join('\n')}\n${JSON.stringify(r, null, 1)}`;
  assert.ok(r.requests > 100, `traffic ran across the swaps${why}`);
  assert.deepEqual(r.failures, {}, `no request failed across the swaps${why}`);
  assert.deepEqual(r.oldExits, [0, 0], `each replaced host drained and exited 0${why}`);
  assert.ok(r.newHostRequests > 0, `the last host took over the traffic${why}`);
});
