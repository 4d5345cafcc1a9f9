// The component engine against real wasi:http components built from source (hand-written WAT and a
// componentize-js guest), served by the real CLI over 127.0.0.1.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

let up: UpProcess;

before(async () => {
  const [hello, echo, js] = await Promise.all([
    guestPath('hello-component'),
    guestPath('echo-component'),
    guestPath('js-component'),
  ]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: components
host: { workers: 1 }
services:
  hello: { source: ${hello}, routes: ["/wat-hello"] }
  echo: { source: ${echo}, routes: ["/wat-echo"], limits: { maxBodySize: 1Mi } }
  js:
    source: ${js}
    routes: ["/..."]
    env: { GREETING: "hi there", MODE: test }
    limits: { timeout: 1s, memory: 48Mi, maxBodySize: 256Ki }
  # The same guest for the long streams: a 1 s deadline is for the loop test, not for a loaded machine.
  js-stream:
    source: ${js}
    routes: ["/stream"]
    limits: { timeout: 60s, memory: 48Mi }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

describe('wasi:http components', () => {
  test('a hand-written WAT component answers', async () => {
    const res = await fetch(`${up.url}/wat-hello/anything?x=1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.match(res.headers.get('x-request-id') ?? '', /^[\w-]+$/);
    assert.equal(await res.text(), 'hello from wasm\n');
  });

  test('the WAT echo component streams a body back byte for byte', async () => {
    const body = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const res = await fetch(`${up.url}/wat-echo`, { method: 'POST', body });
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), body);
  });

  test('bodies stream both ways: each chunk comes back before the next one is sent', async () => {
    const url = new URL(`${up.url}/wat-echo`);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST' });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.flushHeaders();
      req.write('ping-0;');
    });
    assert.equal(res.statusCode, 200);
    const received: string[] = [];
    let waiter: (() => void) | undefined;
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      received.push(d);
      waiter?.();
    });
    const until = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no echo of ${text}; got ${received.join('')}`)),
          5000,
        );
        waiter = () => {
          if (received.join('').includes(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiter();
      });
    // The request is still open while its first chunks are echoed: nothing waits for the whole body.
    for (let i = 0; i < 4; i++) {
      await until(`ping-${i};`);
      req.write(`ping-${i + 1};`);
    }
    req.end();
    await new Promise((r) => res.on('end', r));
    assert.equal(received.join(''), 'ping-0;ping-1;ping-2;ping-3;ping-4;');
  });

  test('a large streamed response arrives whole with backpressure', async () => {
    const res = await fetch(`${up.url}/stream?chunks=20000`);
    const text = await res.text();
    assert.equal(text.split('\n').length - 1, 20000);
    assert.ok(text.endsWith('chunk 19999\n'));
  });

  test('the JS component sees method, path, query and headers', async () => {
    const res = await fetch(`${up.url}/headers?a=1&b=two`, {
      method: 'PUT',
      headers: { 'x-custom': 'value 1', 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as {
      method: string;
      pathWithQuery: string;
      headers: Record<string, string>;
    };
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.pathWithQuery, '/headers?a=1&b=two');
    assert.equal(seen.headers['x-custom'], 'value 1');
  });

  test('the JS component echoes a POST body', async () => {
    const text = 'wasmkube '.repeat(5000);
    const res = await fetch(`${up.url}/echo`, { method: 'POST', body: text });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), text);
  });

  test('the environment of the service reaches the guest', async () => {
    const env = (await (await fetch(`${up.url}/env`)).json()) as Record<string, string> | [string, string][];
    const map = Array.isArray(env) ? Object.fromEntries(env) : env;
    assert.equal(map.GREETING, 'hi there');
    assert.equal(map.MODE, 'test');
  });

  test('status codes set by the guest are kept', async () => {
    const res = await fetch(`${up.url}/status/418`);
    assert.equal(res.status, 418);
  });

  test('a 1xx status from a guest gets 502, the connection is not left hanging', async () => {
    const res = await fetch(`${up.url}/status/101`);
    assert.equal(res.status, 502);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GUEST_RESPONSE');
  });

  test('204 and HEAD responses carry no body, and the connection stays usable', async () => {
    const none = await fetch(`${up.url}/status/204`);
    assert.equal(none.status, 204);
    assert.equal(none.headers.get('content-length'), null);
    assert.equal(await none.text(), '');
    const head = await fetch(`${up.url}/hello`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String('hello from js'.length));
    assert.equal(await head.text(), '');
    assert.equal(await (await fetch(`${up.url}/hello`)).text(), 'hello from js');
  });

  test('a response written in several chunks arrives whole', async () => {
    const res = await fetch(`${up.url}/stream?chunks=5`);
    assert.equal(await res.text(), 'chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
  });

  test('guest stdout and stderr become log lines tagged with service and request id', async () => {
    const res = await fetch(`${up.url}/log`, { headers: { 'x-request-id': 'log-test-1' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'log-test-1');
    const out = await up.waitForLog((l) => l.stream === 'stdout' && l.reqId === 'log-test-1', 5000);
    const err = await up.waitForLog((l) => l.stream === 'stderr' && l.reqId === 'log-test-1', 5000);
    assert.equal(out.service, 'js');
    assert.match(String(out.msg), /to stdout/);
    assert.match(String(err.msg), /to stderr/);
  });

  test('an infinite loop gets 504 within the deadline and the host keeps serving', async () => {
    const started = performance.now();
    const res = await fetch(`${up.url}/loop`);
    const elapsed = performance.now() - started;
    assert.equal(res.status, 504);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    assert.equal(body.error.code, 'GUEST_DEADLINE');
    // Generous margin: this checks that the loop is stopped at all, not how fast (the bench does speed).
    assert.ok(elapsed < 1000 + 4000, `stopped after ${elapsed} ms`);
    assert.equal((await fetch(`${up.url}/hello`)).status, 200);
    assert.equal((await fetch(`${up.url}/wat-hello`)).status, 200);
  });

  test('a trap gives 500 with the request id, and the next request works', async () => {
    const res = await fetch(`${up.url}/trap`, { headers: { 'x-request-id': 'trap-1' } });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    assert.equal(body.error.code, 'GUEST_TRAP');
    assert.equal(body.error.requestId, 'trap-1');
    assert.equal(await (await fetch(`${up.url}/hello`)).text(), 'hello from js');
  });

  test('growing memory past the cap fails that request with 500, not the process', async () => {
    const res = await fetch(`${up.url}/grow?mb=200`);
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'GUEST_MEMORY');
    assert.equal((await fetch(`${up.url}/hello`)).status, 200);
  });

  test('a body over the limit gets 413 and the host keeps serving', async () => {
    const res = await fetch(`${up.url}/echo`, { method: 'POST', body: new Uint8Array(300 * 1024) });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
    assert.equal((await fetch(`${up.url}/hello`)).status, 200);
  });

  test('failures are counted by kind in /metrics', async () => {
    const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
    assert.ok(metric(samples, 'wasmkube_guest_errors_total', { service: 'js', kind: 'deadline' }) >= 1);
    assert.ok(metric(samples, 'wasmkube_guest_errors_total', { service: 'js', kind: 'trap' }) >= 1);
    assert.ok(metric(samples, 'wasmkube_guest_errors_total', { service: 'js', kind: 'body_limit' }) >= 1);
    assert.ok(metric(samples, 'wasmkube_instances_created_total', { service: 'js' }) >= 2);
    assert.ok(metric(samples, 'wasmkube_wasm_memory_bytes', { service: 'hello' }) > 0);
  });
});
