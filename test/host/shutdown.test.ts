// Graceful shutdown the way Kubernetes needs it: on SIGTERM /ready turns 503 while the listener still
// accepts for the drain delay, in-flight requests finish, and the process exits 0.

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp } from '../helpers/host.ts';

/** POSTs `parts` one by one, `gapMs` apart, so the request stays in flight; resolves with status and body. */
function slowPost(url: string, parts: string[], gapMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      // A response cut off mid-body (no final chunk) is a failure on the client side too.
      res.on('close', () => {
        if (!res.complete) reject(new Error(`response cut off after ${body.length} bytes`));
      });
    });
    req.on('error', reject);
    (async () => {
      for (const p of parts) {
        req.write(p);
        await sleep(gapMs);
      }
      req.end();
    })();
  });
}

for (const workers of [1, 2]) {
  test(`SIGTERM with requests in flight loses none (${workers} worker thread(s))`, async () => {
    const echo = await guestPath('echo-component');
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: shutdown
host:
  workers: ${workers}
  shutdown: { drainDelay: 1s, gracePeriod: 10s }
services:
  echo: { source: ${echo}, routes: ["/..."] }
`);
    const up = await startUp([dir], { manifestShutdown: true });
    const parts = Array.from({ length: 8 }, (_, i) => `part ${i};`);
    const inFlight = [slowPost(`${up.url}/a`, parts, 250), slowPost(`${up.url}/b`, parts, 250)];
    await sleep(300);
    const signalled = performance.now();
    up.proc.kill('SIGTERM');
    await sleep(100);

    const ready = await fetch(`${up.url}/ready`, { headers: { connection: 'close' } });
    assert.equal(ready.status, 503, '/ready turns 503 at once');
    assert.equal((await fetch(`${up.url}/health`, { headers: { connection: 'close' } })).status, 200);
    // Endpoints have not caught up yet: new connections are still served during the drain delay.
    const late = await fetch(`${up.url}/late`, {
      method: 'POST',
      body: 'still here',
      headers: { connection: 'close' },
    });
    assert.equal(late.status, 200);
    assert.equal(await late.text(), 'still here');

    for (const r of await Promise.all(inFlight)) {
      assert.equal(r.status, 200);
      assert.equal(r.body, parts.join(''));
    }
    const code = await up.exited;
    assert.equal(code, 0, `exit code; stderr:\n${up.stderr()}`);
    assert.ok(performance.now() - signalled >= 1000, 'waited for the drain delay');
    await assert.rejects(fetch(`${up.url}/health`), 'the listener is closed after the drain');
  });
}

test('requests still running at the end of the grace period are reported and the exit code says so', async () => {
  const echo = await guestPath('echo-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: grace
host:
  workers: 1
  shutdown: { drainDelay: 100ms, gracePeriod: 300ms }
services:
  echo: { source: ${echo}, routes: ["/..."] }
`);
  const up = await startUp([dir], { manifestShutdown: true });
  const stuck = slowPost(
    `${up.url}/slow`,
    Array.from({ length: 20 }, () => 'x'),
    200,
  ).catch((e: Error) => e);
  await sleep(200);
  up.proc.kill('SIGTERM');
  assert.equal(await up.exited, 1);
  assert.match(up.stderr(), /1 request\(s\) were still running/);
  assert.ok((await stuck) instanceof Error, 'the cut-off request fails on the client side');
});

test('a large response still being read by a slow client arrives whole across SIGTERM', async () => {
  const js = await guestPath('js-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: slow-reader
host:
  workers: 1
  shutdown: { drainDelay: 100ms, gracePeriod: 20s }
services:
  js: { source: ${js}, routes: ["/..."] }
`);
  const up = await startUp([dir], { manifestShutdown: true });
  const chunks = 20_000;
  const url = new URL(`${up.url}/stream?chunks=${chunks}`);
  const received = new Promise<{ lines: number; complete: boolean }>((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: url.pathname + url.search }, (res) => {
        let lines = 0;
        let sincePause = 0;
        res.on('data', (d: Buffer) => {
          for (const b of d) if (b === 10) lines++;
          // A slow reader (~2 MB/s): the host holds the rest under backpressure while it drains.
          sincePause += d.length;
          if (sincePause > 20_000) {
            sincePause = 0;
            res.pause();
            setTimeout(() => res.resume(), 50);
          }
        });
        res.on('close', () => resolve({ lines, complete: res.complete }));
      })
      .on('error', reject);
  });
  await sleep(300);
  up.proc.kill('SIGTERM');
  const got = await received;
  assert.equal(got.complete, true);
  assert.equal(got.lines, chunks);
  assert.equal(await up.exited, 0, up.stderr());
});
