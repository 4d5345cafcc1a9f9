// The WAGI engine against real WASI preview1 commands built from source (AssemblyScript, and C where
// clang for wasm32-wasi is installed), served CGI style by the real CLI over 127.0.0.1.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { guestAvailable, guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';

let up: UpProcess;
const hasC = guestAvailable('wagi-c');

before(async () => {
  const [hello, wagi, c] = await Promise.all([
    guestPath('wagi-hello'),
    guestPath('wagi-test'),
    hasC ? guestPath('wagi-c') : Promise.resolve(undefined),
  ]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: wagi
host: { workers: 1 }
services:
  hello: { source: ${hello}, routes: ["/hello"] }
  cgi:
    source: ${wagi}
    routes: ["/cgi"]
    env: { SERVICE_COLOR: blue }
    limits: { timeout: 800ms, memory: 16Mi, maxBodySize: 64Ki }
${c ? `  c: { source: ${c}, routes: ["/c"] }\n` : ''}`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

describe('WAGI modules', () => {
  test('an AssemblyScript WAGI module answers with its CGI headers', async () => {
    const res = await fetch(`${up.url}/hello`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'hello from wagi\n');
  });

  test('request headers, method, path and query arrive as CGI variables', async () => {
    const res = await fetch(`${up.url}/cgi/env?x=1&y=2`, {
      headers: { 'x-trace': 'abc', authorization: 'secret' },
    });
    const vars = Object.fromEntries(
      (await res.text())
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(vars.REQUEST_METHOD, 'GET');
    assert.equal(vars.SCRIPT_NAME, '/cgi');
    assert.equal(vars.PATH_INFO, '/env');
    assert.equal(vars.QUERY_STRING, 'x=1&y=2');
    assert.equal(vars.HTTP_X_TRACE, 'abc');
    assert.equal(vars.SERVICE_COLOR, 'blue');
    assert.equal(vars.GATEWAY_INTERFACE, 'CGI/1.1');
    assert.match(vars.X_FULL_URL ?? '', /^http:\/\/127\.0\.0\.1:\d+\/cgi\/env\?x=1&y=2$/);
    assert.equal(vars.HTTP_AUTHORIZATION, undefined, 'credentials stay out of the environment');
  });

  test('the body arrives on stdin and the content type is passed through', async () => {
    const body = JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => i) });
    const res = await fetch(`${up.url}/cgi/echo`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(await res.text(), body);
  });

  test('Status and Location CGI headers set the status', async () => {
    const created = await fetch(`${up.url}/cgi/created`);
    assert.equal(created.status, 201);
    const redirect = await fetch(`${up.url}/cgi/redirect`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/hello');
  });

  test('query parameters become arguments', async () => {
    const res = await fetch(`${up.url}/cgi/args?one&two=2`);
    const text = await res.text();
    assert.match(text, /one/);
    assert.match(text, /two=2/);
  });

  test('stderr lines go to the log with service and request id', async () => {
    await fetch(`${up.url}/cgi/log`, { headers: { 'x-request-id': 'wagi-log-1' } });
    const line = await up.waitForLog((l) => l.stream === 'stderr' && l.reqId === 'wagi-log-1', 5000);
    assert.equal(line.service, 'cgi');
  });

  test('an infinite loop is stopped at the deadline with 504 and the host keeps serving', async () => {
    const res = await fetch(`${up.url}/cgi/loop`);
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GUEST_DEADLINE');
    assert.equal((await fetch(`${up.url}/hello`)).status, 200);
  });

  test('unbounded memory growth fails the request with 500 GUEST_MEMORY', async () => {
    const res = await fetch(`${up.url}/cgi/grow`);
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GUEST_MEMORY');
    assert.equal((await fetch(`${up.url}/cgi/created`)).status, 201);
  });

  test('a response HTTP forbids (bad header name, 1xx status) gets 502 and the host keeps serving', async () => {
    for (const path of ['/cgi/bad-header', '/cgi/bad-status']) {
      const res = await fetch(`${up.url}${path}`);
      assert.equal(res.status, 502, path);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'GUEST_RESPONSE');
    }
    assert.equal((await fetch(`${up.url}/hello`)).status, 200);
  });

  test('a guest that prints without end is stopped at its memory limit, not the host', async () => {
    const res = await fetch(`${up.url}/cgi/flood`);
    assert.equal(res.status, 502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'GUEST_RESPONSE');
    assert.match(body.error.message, /more than \d+ bytes/);
    assert.equal((await fetch(`${up.url}/hello`)).status, 200);
  });

  test('a trap gives 500 with the request id', async () => {
    const res = await fetch(`${up.url}/cgi/trap`, { headers: { 'x-request-id': 'wagi-trap' } });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    assert.equal(body.error.code, 'GUEST_TRAP');
    assert.equal(body.error.requestId, 'wagi-trap');
  });

  test('a body over the limit gets 413 without reaching the guest', async () => {
    const res = await fetch(`${up.url}/cgi/echo`, { method: 'POST', body: new Uint8Array(100 * 1024) });
    assert.equal(res.status, 413);
    // Chunked, no content-length: the limit is enforced as bytes arrive.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(8 * 1024));
        c.close();
      },
    });
    const chunked = await fetch(`${up.url}/cgi/echo`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal((await fetch(`${up.url}/hello`)).status, 200);
  });

  test('a body far over the limit on a closing connection still gets its 413', async () => {
    // The client keeps sending while the host answers early; closing with unread bytes would reset the
    // connection and lose the 413.
    const url = new URL(up.url);
    const socket = net.connect(Number(url.port), url.hostname);
    let reply = '';
    socket.on('data', (d) => {
      reply += d.toString('latin1');
    });
    socket.on('error', () => {});
    const closed = new Promise((r) => socket.on('close', r));
    socket.write(
      'POST /cgi/echo HTTP/1.1\r\nhost: x\r\ncontent-length: 20000000\r\nconnection: close\r\n\r\n',
    );
    const chunk = Buffer.alloc(256 * 1024, 120);
    for (let sent = 0; sent < 20_000_000 && !socket.destroyed; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
    }
    socket.end();
    await closed;
    assert.match(reply, /^HTTP\/1\.1 413 /);
    assert.match(reply, /BODY_TOO_LARGE/);
  });

  test('a C WAGI module built with clang answers', {
    skip: hasC ? false : 'clang for wasm32-wasi is not installed (.ci/run installs it)',
  }, async () => {
    const res = await fetch(`${up.url}/c/echo`, {
      method: 'POST',
      body: 'from c',
      headers: { 'content-type': 'text/x-c' },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'from c');
    assert.equal(await (await fetch(`${up.url}/c/`)).text(), 'hello from c\n');
  });
});
