// Guests that compute without end are preempted: while fifty of them loop to their deadline on one
// thread, /health, /metrics, /ready and another service answer first (ordering, never timing), for
// components (reused and fresh instances) and WAGI modules alike; the deadline still stops each one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

const LOOPERS = 50;
let up: UpProcess;

before(async () => {
  const [spin, hello, wagi] = await Promise.all([
    guestPath('spin-component'),
    guestPath('hello-component'),
    guestPath('wagi-test'),
  ]);
  // A deadline long enough for fifty instances to be made on a loaded machine before the first ends.
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: preemption
host: { workers: 1 }
services:
  spin: { source: ${spin}, routes: ["/spin/...", "/ok"], isolation: reuse, limits: { timeout: 5s } }
  fresh: { source: ${spin}, routes: ["/spinfresh/..."], isolation: fresh, limits: { timeout: 5s } }
  wagi: { source: ${wagi}, routes: ["/wagi/..."], limits: { timeout: 5s } }
  wagilong: { source: ${wagi}, routes: ["/wagilong/..."], limits: { timeout: 10m } }
  capped: { source: ${spin}, routes: ["/spincap/..."], limits: { timeout: 2s, concurrency: 2 } }
  hello: { source: ${hello}, routes: ["/hello"] }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

async function scrape(): Promise<ReturnType<typeof parseProm>> {
  const res = await fetch(`${up.url}/metrics`);
  assert.equal(res.status, 200);
  return parseProm(await res.text());
}

/** Polls /metrics until `service` has `n` requests in flight (each poll is itself served meanwhile). */
async function untilInFlight(service: string, n: number): Promise<void> {
  for (;;) {
    const samples = await scrape();
    if (metric(samples, 'wasmkube_http_requests_in_flight', { service }) >= n) return;
    await sleep(20);
  }
}

function guestErrors(samples: ReturnType<typeof parseProm>, service: string): number {
  try {
    return metric(samples, 'wasmkube_guest_errors_total', { service, kind: 'deadline' });
  } catch {
    return 0;
  }
}

describe('preemption', () => {
  for (const [kind, service, path] of [
    ['component', 'spin', '/spin/forever'],
    ['component with isolation: fresh', 'fresh', '/spinfresh/forever'],
    ['WAGI module', 'wagi', '/wagi/loop'],
  ] as const) {
    test(`${LOOPERS} requests to a ${kind} looping to its deadline: probes and other services answer first`, async () => {
      const before = guestErrors(await scrape(), service);
      const order: string[] = [];
      const loops = Array.from({ length: LOOPERS }, async () => {
        const res = await fetch(`${up.url}${path}`);
        const body = (await res.json()) as { error?: { code: string } };
        order.push('looper');
        return { status: res.status, code: body.error?.code };
      });
      // Every looper is inside its guest now; /metrics answering is the first proof.
      await untilInFlight(service, LOOPERS);
      for (const probe of ['/health', '/metrics', '/ready', '/hello']) {
        const res = await fetch(`${up.url}${probe}`);
        assert.equal(res.status, 200, probe);
        await res.arrayBuffer();
        order.push(probe);
      }
      const results = await Promise.all(loops);
      assert.deepEqual(order.slice(0, 4), ['/health', '/metrics', '/ready', '/hello']);
      // The deadline still stops every one of them.
      for (const r of results) assert.deepEqual(r, { status: 504, code: 'GUEST_DEADLINE' });
      assert.equal(guestErrors(await scrape(), service) - before, LOOPERS);
    });
  }

  test('a preempted, stopped guest leaves its service serving', async () => {
    const res = await fetch(`${up.url}/ok`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from wasm\n');
  });

  test('a service at its concurrency limit answers 503 at once while its guests loop', async () => {
    const order: string[] = [];
    const loops = [1, 2].map(async () => {
      const res = await fetch(`${up.url}/spincap/forever`);
      await res.arrayBuffer();
      order.push(`looper ${res.status}`);
    });
    await untilInFlight('capped', 2);
    const busy = await fetch(`${up.url}/spincap/forever`);
    const body = (await busy.json()) as { error: { code: string } };
    order.push(`third ${busy.status} ${body.error.code}`);
    assert.equal(busy.headers.get('retry-after'), '1');
    await Promise.all(loops);
    assert.deepEqual(order, ['third 503 SERVICE_BUSY', 'looper 504', 'looper 504']);
  });

  test('clients that go away stop their guests, even those waiting their turn', async () => {
    const gone = new AbortController();
    const loops = Array.from({ length: 10 }, () =>
      fetch(`${up.url}/wagilong/loop`, { signal: gone.signal }).catch((e: Error) => e.name),
    );
    await untilInFlight('wagilong', 10);
    gone.abort();
    assert.deepEqual(await Promise.all(loops), Array(10).fill('AbortError'));
    // A WAGI service holds wasm memory only while its guests run: none is left running, long before
    // their ten-minute deadline (guests left running would outlast the test's timeout).
    while (metric(await scrape(), 'wasmkube_wasm_memory_bytes', { service: 'wagilong' }) > 0) await sleep(20);
  });

  test('stopping preempted guests logged no host error and no unhandled rejection', () => {
    const bugs = up.logs.filter((l) => l.level === 'error' || /unhandled|host error/.test(String(l.msg)));
    assert.deepEqual(bugs, []);
  });
});
