// The first /metrics scrape is complete: the event-loop histogram has samples (no NaN mean, no
// sentinel minimum) on one serving thread and on several, even when scraped the moment `up` listens.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { startUp, type UpProcess } from '../helpers/host.ts';

const running: UpProcess[] = [];
after(async () => {
  for (const u of running) await u.stop();
});

for (const workers of ['1', '2']) {
  test(`first scrape right after start, ${workers} worker(s): no NaN, a real event-loop minimum`, async () => {
    const up = await startUp(['--from', await guestPath('hello-component'), '--workers', workers]);
    running.push(up);
    const text = await (await fetch(`${up.url}/metrics`)).text();
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(
      samples.filter((l) => /\s(NaN|Nan|[+-]?Inf)$/i.test(l)),
      [],
      'no NaN or infinite sample',
    );
    const min = Number(/^nodejs_eventloop_lag_min_seconds (\S+)$/m.exec(text)?.[1]);
    assert.ok(min >= 0 && min < 60, `event-loop min is a measured delay, not the empty sentinel: ${min}`);
    assert.ok(Number.isFinite(Number(/^nodejs_eventloop_lag_mean_seconds (\S+)$/m.exec(text)?.[1])));
    assert.match(text, /^wasmkube_wasm_memory_bytes\{service="[^"]+"\} \d+/m);
  });
}
