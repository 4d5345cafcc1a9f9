// The host's connection and request-head limits (host.http) against raw sockets on 127.0.0.1: silent
// and slow-header connections closed at their timeouts, idle keep-alive closed, max connections, 431,
// 414, and a 413 after which the host stops reading and closes, for both kinds of body length.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { connect, rawRequest, writeUntilClosed } from '../helpers/raw-http.ts';

let up: UpProcess;
let few: UpProcess;

const HEAD = 'Host: 127.0.0.1\r\n';

before(async () => {
  const [hello, wagi] = await Promise.all([guestPath('wagi-hello'), guestPath('wagi-test')]);
  const services = `services:
  hello: { source: ${hello}, routes: ["/hello"] }
  cgi: { source: ${wagi}, routes: ["/cgi"], limits: { maxBodySize: 64Ki } }
`;
  const [a, b] = await Promise.all([
    appDir(`apiVersion: wasmkube.dev/v1alpha1
name: limits
host:
  workers: 1
  http:
    headersTimeout: 800ms
    firstByteTimeout: 400ms
    keepAliveTimeout: 300ms
    maxHeaderSize: 4Ki
    maxUrlLength: 1Ki
${services}`),
    // Timeouts long enough that held connections stay while the limit is tried.
    appDir(`apiVersion: wasmkube.dev/v1alpha1
name: few
host: { workers: 1, http: { maxConnections: 4, firstByteTimeout: 60s, headersTimeout: 60s } }
${services}`),
  ]);
  [up, few] = await Promise.all([startUp([a]), startUp([b])]);
});

after(async () => {
  await Promise.all([up?.stop(), few?.stop()]);
});

describe('connection timeouts', () => {
  test('a connection that never sends a byte is closed without an answer', async () => {
    const c = await connect(up.url);
    await c.closed;
    assert.equal(c.received(), '');
  });

  test('a request head that trickles in is cut off with 408 at the headers timeout', async () => {
    const c = await connect(up.url);
    c.socket.write(`GET /hello HTTP/1.1\r\n${HEAD}`);
    // One header byte at a time, never the end of the head: each byte resets no timer.
    const drip = setInterval(() => c.socket.writable && c.socket.write('x'), 50);
    try {
      await c.closed;
    } finally {
      clearInterval(drip);
    }
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
  });

  test('an idle keep-alive connection is closed after its response', async () => {
    const c = await connect(up.url);
    c.socket.write(`GET /hello HTTP/1.1\r\n${HEAD}\r\n`);
    await c.waitFor((t) => t.includes('hello from wagi'));
    await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 200 /);
    assert.equal(c.received().match(/HTTP\/1\.1/g)?.length, 1);
  });
});

describe('request head limits', () => {
  test('a head over maxHeaderSize gets 431 and the host goes on', async () => {
    const r = await rawRequest(up.url, `GET /hello HTTP/1.1\r\n${HEAD}x-big: ${'a'.repeat(5000)}\r\n\r\n`);
    assert.equal(r.status, 431);
    assert.equal((await fetch(`${up.url}/health`)).status, 200);
  });

  test('a target over maxUrlLength gets 414 without reaching a service', async () => {
    const r = await rawRequest(up.url, `GET /cgi/env?${'q'.repeat(1500)} HTTP/1.1\r\n${HEAD}\r\n`);
    assert.equal(r.status, 414);
    assert.match(r.text, /URI_TOO_LONG/);
    const ok = await rawRequest(up.url, `GET /cgi/hello?${'q'.repeat(900)} HTTP/1.1\r\n${HEAD}\r\n`);
    assert.equal(ok.status, 200);
  });

  test('malformed request lines get 400, never a crash', async () => {
    for (const line of [
      'GARBAGE\r\n\r\n',
      'GET /hello HTTP/9.9\r\n\r\n',
      `GET /he\u0000llo HTTP/1.1\r\n${HEAD}\r\n`,
      `POST /cgi/echo HTTP/1.1\r\n${HEAD}content-length: abc\r\n\r\n`,
      `POST /cgi/echo HTTP/1.1\r\n${HEAD}content-length: 1\r\ncontent-length: 2\r\n\r\nab`,
      // Request smuggling: both framings at once.
      `POST /cgi/echo HTTP/1.1\r\n${HEAD}content-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
      `GET /hello HTTP/1.1\r\n${HEAD}x-bad: a\u0000b\r\n\r\n`,
    ])
      assert.equal((await rawRequest(up.url, line)).status, 400, JSON.stringify(line));
    assert.equal((await fetch(`${up.url}/health`)).status, 200);
  });
});

describe('413, then the host stops reading', () => {
  // Without the bound, the host reads and drops whatever the client sends for as long as it sends.
  const SEND = 256 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x61);

  test('a declared Content-Length over the limit: 413, then the connection closes', async () => {
    const c = await connect(up.url);
    c.socket.write(`POST /cgi/echo HTTP/1.1\r\n${HEAD}content-length: ${SEND}\r\n\r\n`);
    const taken = await writeUntilClosed(c, chunk, SEND);
    assert.match(c.received(), /^HTTP\/1\.1 413 /);
    // The 1 MiB the host still reads after its answer, plus what the kernels' buffers hold.
    assert.ok(taken < 48 * 1024 * 1024, `the host took ${taken} bytes after its 413`);
  });

  test('a chunked body that goes over the limit: 413, then the connection closes', async () => {
    const c = await connect(up.url);
    c.socket.write(`POST /cgi/echo HTTP/1.1\r\n${HEAD}transfer-encoding: chunked\r\n\r\n`);
    const framed = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    const taken = await writeUntilClosed(c, framed, SEND);
    assert.match(c.received(), /^HTTP\/1\.1 413 /);
    assert.ok(taken < 48 * 1024 * 1024, `the host took ${taken} bytes after its 413`);
  });
});

describe('max connections per worker', () => {
  test('beyond the limit new connections are closed at once; held ones, /health included, still answer', async () => {
    const probe = await connect(few.url);
    probe.socket.write(`GET /health HTTP/1.1\r\n${HEAD}\r\n`);
    await probe.waitFor((t) => t.includes('"ok"'));
    const silent = await Promise.all([connect(few.url), connect(few.url), connect(few.url)]);
    // Accepted by the kernel, closed by the host before it reads a byte.
    const extra = await connect(few.url);
    extra.socket.write(`GET /health HTTP/1.1\r\n${HEAD}\r\n`);
    await extra.closed;
    assert.equal(extra.received(), '');
    await few.waitForLog((l) => String(l.msg).startsWith('connection limit reached'));
    // The probe's keep-alive connection is one of the four and goes on being served.
    const before = probe.received().length;
    probe.socket.write(`GET /health HTTP/1.1\r\n${HEAD}\r\n`);
    await probe.waitFor((t) => t.length > before && t.slice(before).includes('"ok"'));
    // A slot given back is a slot a new client gets.
    silent[0]!.socket.destroy();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await rawRequest(few.url, `GET /health HTTP/1.1\r\n${HEAD}\r\n`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 200);
    for (const c of [probe, ...silent]) c.socket.destroy();
  });
});
