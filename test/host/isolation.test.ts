// Per-service isolation settings: a fresh instance per request for components that ask for it, and
// the concurrency limit that answers 503 instead of queueing without bound.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

let up: UpProcess;
let jsPath: string;

before(async () => {
  const [counter, echo, js] = await Promise.all([
    guestPath('counter-component'),
    guestPath('echo-component'),
    guestPath('js-component'),
  ]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: isolation
host: { workers: 1 }
services:
  fresh: { source: ${counter}, routes: ["/fresh"], isolation: fresh }
  reused: { source: ${counter}, routes: ["/reused"], isolation: reuse }
  single: { source: ${echo}, routes: ["/single"], limits: { concurrency: 1 } }
  stream: { source: ${js}, routes: ["/stream"], limits: { timeout: 60s } }
  kept: { source: ${js}, routes: ["/grow"], isolation: reuse }
`);
  jsPath = js;
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

async function instances(service: string): Promise<number> {
  const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
  return metric(samples, 'wasmkube_instances_created_total', { service });
}

describe('isolation', () => {
  test("'fresh' gives every request the first state of the guest, 'reuse' keeps one instance", async () => {
    // 'reused' runs the component 'fresh' already validated at start-up, so it starts cold: its first
    // request makes its one instance.
    assert.equal(await (await fetch(`${up.url}/reused`)).text(), 'global=1 memory=1\n');
    const reused0 = await instances('reused');
    for (let i = 2; i <= 10; i++) {
      // The counter lives in a mutable global and in linear memory: both must be back to their start.
      assert.equal(await (await fetch(`${up.url}/fresh`)).text(), 'global=1 memory=1\n');
      assert.equal(await (await fetch(`${up.url}/reused`)).text(), `global=${i} memory=${i}\n`);
    }
    assert.equal((await instances('reused')) - reused0, 0);
    // A small component is put back to its snapshot instead of being made anew for each request.
    assert.ok((await instances('fresh')) <= 3, 'fresh instances are reset, not re-made');
  });

  test("guest state lives on in a reused instance and never reaches the next request with 'fresh'", async () => {
    // js-component's /grow keeps what it allocated in a module-level array and says how much it holds.
    const grow = async (url: string) => (await fetch(`${url}/grow?mb=1`)).text();
    assert.match(await grow(up.url), /holding 1 MiB/);
    assert.match(await grow(up.url), /holding 2 MiB/);
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: fresh-state
host: { workers: 1 }
services:
  forgetful: { source: ${jsPath}, routes: ["/grow"], isolation: fresh }
`);
    const fresh = await startUp([dir]);
    try {
      for (let i = 0; i < 3; i++) assert.match(await grow(fresh.url), /holding 1 MiB/);
    } finally {
      await fresh.stop();
    }
  });

  test('a service at its concurrency limit answers 503 with retry-after, then serves again', async () => {
    const url = new URL(`${up.url}/single`);
    // Holds the only slot: the echo guest waits for the rest of this body.
    const held = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST' });
    const heldRes = new Promise<number>((resolve, reject) => {
      held.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      held.on('error', reject);
    });
    held.write('first part;');
    await new Promise((r) => setTimeout(r, 200));
    const busy = await fetch(`${up.url}/single`, { method: 'POST', body: 'x' });
    assert.equal(busy.status, 503);
    assert.equal(busy.headers.get('retry-after'), '1');
    assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'SERVICE_BUSY');
    const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
    assert.equal(metric(samples, 'wasmkube_http_requests_total', { service: 'single', status: '503' }), 1);
    held.end('last part');
    assert.equal(await heldRes, 200);
    const after = await fetch(`${up.url}/single`, { method: 'POST', body: 'again' });
    assert.equal(await after.text(), 'again');
  });

  test('a client that hangs up mid-response frees the guest long before its deadline', async () => {
    const controller = new AbortController();
    const res = await fetch(`${up.url}/stream?chunks=10000000`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    // The guest stops at its next write instead of streaming for its 60 s deadline.
    let inFlight = 1;
    for (let i = 0; i < 100 && inFlight > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
      inFlight = metric(samples, 'wasmkube_http_requests_in_flight', { service: 'stream' });
    }
    assert.equal(inFlight, 0);
    assert.equal((await fetch(`${up.url}/stream?chunks=2`)).status, 200);
  });
});
