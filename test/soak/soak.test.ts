// The soak of `npm run soak` for 30 s, as a functional check only (timings are the bench's business):
// beside slow-header, idle, non-reading and looping clients, no well-behaved request fails, the host
// stays up, and its descriptors and handles come back down once the mix has gone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/soak/run.ts';

test('30 s soak beside a misbehaving client mix: no well-behaved request fails, fds do not grow', async () => {
  const lines: string[] = [];
  const r = await runSoak({ durationS: 30, drill: false, log: (l) => lines.push(l) });
  const why = `\n${lines.join('\n')}\n${JSON.stringify({ baseline: r.baseline, soak: r.soak, misbehaving: r.misbehaving, samples: r.samples }, null, 1)}`;
  assert.ok(r.baseline.ok > 0 && r.soak.ok > 0, `traffic was served${why}`);
  assert.deepEqual(r.baseline.failures, {}, `no failed request without the mix${why}`);
  assert.deepEqual(r.soak.failures, {}, `no failed well-behaved request beside the mix${why}`);
  assert.ok(r.hostAlive, `the host is alive and /health answers${why}`);
  assert.equal(r.healthFailures, 0, `/health answered every probe${why}`);
  const first = r.samples[0]!;
  const last = r.samples[r.samples.length - 1]!;
  // The mix held ~80 connections; once it is gone the host must have let go of them.
  assert.ok(last.fds <= first.fds + 16, `fds ${first.fds} → ${last.fds}${why}`);
  assert.ok(last.handles <= first.handles + 16, `handles ${first.handles} → ${last.handles}${why}`);
});
