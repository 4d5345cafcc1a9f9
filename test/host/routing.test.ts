// Many services in one process: path-prefix routing, the reserved endpoints, merged metrics across
// worker threads, and JSON 404s, over real sockets with real guests.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

let up: UpProcess;

before(async () => {
  const [component, wagi] = await Promise.all([guestPath('hello-component'), guestPath('wagi-test')]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: routing
host: { workers: 2 }
services:
  orders: { source: ${component}, routes: ["/orders"] }
  payments: { source: ${wagi}, routes: ["/payments/..."] }
  admin: { source: ${wagi}, routes: ["/orders/admin"] }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

describe('routing and reserved endpoints', () => {
  test('a path prefix selects the service, on segment boundaries', async () => {
    assert.equal(await (await fetch(`${up.url}/orders`)).text(), 'hello from wasm\n');
    assert.equal(await (await fetch(`${up.url}/orders/42?x=1`)).text(), 'hello from wasm\n');
    const miss = await fetch(`${up.url}/ordersx`);
    assert.equal(miss.status, 404);
    assert.equal(miss.headers.get('content-type'), 'application/json');
    const body = (await miss.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'NO_ROUTE');
    assert.match(body.error.message, /\/ordersx/);
  });

  test('the longest route wins', async () => {
    const res = await fetch(`${up.url}/orders/admin/created`);
    assert.equal(res.status, 201, 'admin (WAGI) serves /orders/admin/*, not orders');
  });

  test('Spin-style wildcard routes pass the rest of the path to the guest', async () => {
    const res = await fetch(`${up.url}/payments/created`);
    assert.equal(res.status, 201);
  });

  test('reserved endpoints answer GET and HEAD only, and every response has a request id', async () => {
    const post = await fetch(`${up.url}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    for (const path of ['/health', '/ready', '/metrics', '/nowhere']) {
      const res = await fetch(`${up.url}${path}`);
      await res.arrayBuffer();
      assert.match(res.headers.get('x-request-id') ?? '', /^[\w-]+$/, path);
    }
  });

  test('/health answers while the host runs, /ready once every service is loaded', async () => {
    const health = await fetch(`${up.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${up.url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { services: number }).services, 3);
  });

  test('/metrics merges every worker thread and counts requests by service, route, method, status', async () => {
    const n = 40;
    // Fresh connections, so the kernel spreads them over both threads.
    await Promise.all(
      Array.from({ length: n }, () =>
        fetch(`${up.url}/orders/x`, { headers: { connection: 'close' } }).then((r) => r.text()),
      ),
    );
    const res = await fetch(`${up.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const samples = parseProm(await res.text());
    const served = metric(samples, 'wasmkube_http_requests_total', {
      service: 'orders',
      route: '/orders',
      method: 'GET',
      status: '200',
    });
    assert.ok(served >= n, `counted ${served} of at least ${n}`);
    assert.ok(metric(samples, 'wasmkube_http_request_duration_seconds_count', { service: 'orders' }) >= n);
    assert.equal(metric(samples, 'wasmkube_http_requests_in_flight', { service: 'orders' }), 0);
    assert.ok(
      metric(samples, 'wasmkube_instances_created_total', { service: 'orders' }) >= 2,
      'one per thread at least',
    );
    assert.ok(metric(samples, 'process_resident_memory_bytes') > 0);
  });

  test('every request logs one JSON line with its request id', async () => {
    await fetch(`${up.url}/orders/logged`, { headers: { 'x-request-id': 'route-log-1' } });
    const line = await up.waitForLog((l) => l.msg === 'request' && l.reqId === 'route-log-1', 5000);
    assert.equal(line.service, 'orders');
    assert.equal(line.status, 200);
    assert.equal(line.path, '/orders/logged');
    assert.equal(typeof line.ms, 'number');
  });
});
