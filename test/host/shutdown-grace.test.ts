// The grace period is a hard bound: a guest still computing when it ends is stopped, its request is
// logged, and `up` exits 1 saying so (README, Graceful shutdown), for both guest kinds and with
// worker threads. The guests' own deadlines are a minute: only the grace period can end them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

for (const [kind, workers, path] of [
  ['component', 1, '/spin/forever'],
  ['WAGI module', 1, '/wagi/loop'],
  ['component', 2, '/spin/forever'],
] as const) {
  test(`a looping ${kind} in flight at the end of the grace period is stopped and reported (${workers} worker thread(s))`, async () => {
    const [spin, wagi] = await Promise.all([guestPath('spin-component'), guestPath('wagi-test')]);
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: grace
host:
  workers: ${workers}
  shutdown: { drainDelay: 100ms, gracePeriod: 500ms }
services:
  spin: { source: ${spin}, routes: ["/spin/..."], limits: { timeout: 60s } }
  wagi: { source: ${wagi}, routes: ["/wagi/..."], limits: { timeout: 60s } }
`);
    const up = await startUp([dir], { manifestShutdown: true });
    const looping = fetch(`${up.url}${path}`, { headers: { 'x-request-id': 'looping-1' } }).then(
      (r) => r.status,
      (e: Error) => e,
    );
    const service = path.startsWith('/spin') ? 'spin' : 'wagi';
    // Wait until the guest runs (the scrape is answered meanwhile: it is preempted).
    for (;;) {
      const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
      if (metric(samples, 'wasmkube_http_requests_in_flight', { service }) === 1) break;
    }
    up.proc.kill('SIGTERM');
    assert.equal(await up.exited, 1, `exit code; stderr:\n${up.stderr()}`);
    assert.match(up.stderr(), /1 request\(s\) were still running at the end of the grace period/);
    const line = up.logs.find((l) => l.msg === 'request stopped at the end of the grace period');
    assert.ok(line, `log line; logs:\n${JSON.stringify(up.logs)}`);
    assert.equal(line.reqId, 'looping-1');
    assert.equal(line.service, service);
    assert.equal(line.path, path);
    // The client sees its request fail, not a success.
    const outcome = await looping;
    assert.ok(outcome instanceof Error || outcome >= 500, `looping request: ${outcome}`);
  });
}
