// Service chaining by name: in process (http://SERVICE, http://SERVICE.spin.internal, http://self)
// within one host, and over a socket between two hosts that each serve one service (as two pods),
// with the W3C trace carried across three services and into every request log line.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, type LogLine, startUp, type UpProcess } from '../helpers/host.ts';

const APP = (guest: string, echo: string) => `apiVersion: wasmkube.dev/v1alpha1
name: chain
host: { workers: 1 }
services:
  a:
    source: ${guest}
    routes: ["/a"]
    allowedOutboundHosts: ["http://b", "http://self", "http://echo"]
    limits: { maxBodySize: 8Mi, timeout: 20s }
  echo: { source: ${echo}, routes: ["/echo"], limits: { maxBodySize: 8Mi } }
  b: { source: ${guest}, routes: ["/b"], allowedOutboundHosts: ["http://c.spin.internal"] }
  c: { source: ${guest}, routes: ["/c"] }
`;

let one: UpProcess;
let podA: UpProcess;
let podB: UpProcess;

before(async () => {
  const [guest, echo] = await Promise.all([guestPath('fetch-component'), guestPath('echo-component')]);
  const dir = await appDir(APP(guest, echo));
  one = await startUp([dir]);
  // Two hosts, one service each, like two Kubernetes pods; `http://b` reaches the other one through
  // WASMKUBE_CONNECT_TO as cluster DNS would.
  podB = await startUp([dir, '--service', 'b']);
  const portB = new URL(podB.url).port;
  podA = await startUp([dir, '--service', 'a'], { env: { WASMKUBE_CONNECT_TO: `b:80:127.0.0.1:${portB}` } });
});

after(async () => {
  await Promise.all([one?.stop(), podA?.stop(), podB?.stop()]);
});

const q = encodeURIComponent;

async function get(up: UpProcess, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${up.url}${path}`, { headers });
  return { res, upstream: res.headers.get('x-upstream-status'), text: await res.text() };
}

function requestLines(up: UpProcess, traceId: string): LogLine[] {
  return up.logs.filter((l) => l.msg === 'request' && l.traceId === traceId);
}

describe('chaining in process', () => {
  test('a → b → c by name and by Spin name, with the trace carried to c and into every log line', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const inner = `http://c.spin.internal/c/headers`;
    const r = await get(one, `/a/call?url=${q(`http://b/b/call?url=${q(inner)}`)}`, {
      traceparent: `00-${traceId}-${parent}-01`,
    });
    assert.equal(r.res.status, 200, r.text);
    const seen = JSON.parse(r.text) as { headers: Record<string, string> };
    const tp = seen.headers.traceparent ?? '';
    assert.match(tp, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`), 'c sees the same trace');
    assert.notEqual(tp.split('-')[2], parent, 'as a child span, not the caller span');
    assert.equal(seen.headers.host, 'c.spin.internal');
    // Every service's request line carries the trace id, and the outbound lines the caller's request id.
    await one.waitForLog((l) => l.msg === 'request' && l.service === 'a' && l.traceId === traceId);
    const lines = requestLines(one, traceId);
    assert.deepEqual(lines.map((l) => l.service).sort(), ['a', 'b', 'c']);
    const aLine = lines.find((l) => l.service === 'a')!;
    const outbound = one.logs.filter((l) => l.msg === 'outbound request' && l.traceId === traceId);
    assert.deepEqual(outbound.map((l) => l.target).sort(), ['http://b', 'http://c.spin.internal']);
    assert.ok(
      outbound.every((l) => l.local === true),
      'in process, no socket',
    );
    assert.equal(outbound.find((l) => l.service === 'a')!.reqId, aLine.reqId);
  });

  test('http://self reaches the app by path; a service answers only on its own routes', async () => {
    const self = await get(one, `/a/call?url=${q('http://self/c/headers')}`);
    assert.equal(self.upstream, '200', self.text);
    const wrong = await get(one, `/a/call?url=${q('http://b/c/headers')}`);
    assert.equal(wrong.upstream, '404', 'b has no /c route');
  });

  test('a request without (or with a malformed) traceparent starts a trace the guest sees', async () => {
    for (const headers of [{}, { traceparent: '00-zz-bad-01' }] as Record<string, string>[]) {
      const r = await get(one, '/c/headers', headers);
      const tp = (JSON.parse(r.text) as { headers: Record<string, string> }).headers.traceparent;
      assert.match(tp ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const traceId = tp!.split('-')[1]!;
      await one.waitForLog((l) => l.msg === 'request' && l.traceId === traceId);
    }
  });

  // More than the hand-over buffers hold (256 KiB each way): backpressure works both ways. (Not many
  // MiB: this guest's fetch() sends its whole body before it reads the answer, so a callee that echoes
  // as it reads would wait on it once every buffer between them is full.)
  test('bodies stream both ways through an in-process hand-over (384 KiB there and back)', async () => {
    const payload = Buffer.alloc(384 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) & 0xff;
    const res = await fetch(`${one.url}/a/call?method=POST&url=${q('http://echo/echo')}`, {
      method: 'POST',
      body: payload,
    });
    assert.equal(res.headers.get('x-upstream-status'), '200', `${res.status}`);
    const back = Buffer.from(await res.arrayBuffer());
    assert.equal(back.length, payload.length);
    assert.ok(back.equals(payload), 'the same bytes came back');
  });

  test('a name the service may not call is denied even in process', async () => {
    const r = await get(one, `/b/call?url=${q('http://a/a/hello')}`);
    assert.equal(r.res.status, 502);
    assert.match(r.text, /^fetch rejected/);
  });
});

describe('chaining over a socket (two hosts, one service each)', () => {
  test('http://b goes out as written and reaches the other host, trace and all', async () => {
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const r = await get(podA, `/a/call?url=${q('http://b/b/headers')}`, {
      traceparent: `00-${traceId}-1111111111111111-01`,
    });
    assert.equal(r.upstream, '200', r.text);
    const seen = JSON.parse(r.text) as { headers: Record<string, string> };
    assert.equal(seen.headers.host, 'b');
    assert.match(seen.headers.traceparent ?? '', new RegExp(`^00-${traceId}-`));
    const out = await podA.waitForLog((l) => l.msg === 'outbound request' && l.traceId === traceId);
    assert.equal(out.local, false, 'over the network');
    await podB.waitForLog((l) => l.msg === 'request' && l.service === 'b' && l.traceId === traceId);
  });
});
