// Outbound HTTP over real sockets from a componentize-js guest's fetch(): allowedOutboundHosts forms
// and bypass attempts, redirects, streaming bodies both ways, every failure kind reaching the guest as
// an error (its fetch() rejects and it answers), the request deadline, and the outbound metrics.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream.ts';

let up: UpProcess;
let api: Upstream;
let other: Upstream;
let dead: number;
/** Opened by the streaming test: the upstream sends the rest of its body then. */
let releaseRest: () => void = () => {};
/** Resolves when the upload test's first chunk has reached the upstream. */
let firstChunkArrived: (bytes: number) => void = () => {};
let hangClosed: () => void = () => {};

before(async () => {
  api = await startUpstream((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/ok') {
      res.setHeader('x-seen-traceparent', String(req.headers.traceparent ?? ''));
      res.end('upstream ok\n');
    } else if (path === '/redirect') {
      res.writeHead(302, { location: `${other.origin}/ok` });
      res.end();
    } else if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part\n');
      releaseRest = () => res.end('second part\n');
    } else if (path === '/upload') {
      let total = 0;
      let first = true;
      req.on('data', (c: Buffer) => {
        total += c.length;
        if (first) firstChunkArrived(c.length);
        first = false;
      });
      req.on('end', () =>
        res.end(`received ${total} bytes, chunked=${req.headers['transfer-encoding'] === 'chunked'}\n`),
      );
    } else if (path === '/reset') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (path === '/hang') {
      // Never answers; the caller's deadline must end it, and the host then closes the connection.
      req.socket.once('close', () => hangClosed());
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  other = await startUpstream();
  dead = await closedPort();
  const guest = await guestPath('fetch-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: outbound
host: { workers: 1 }
services:
  exact:
    source: ${guest}
    routes: ["/exact"]
    allowedOutboundHosts: ["${api.origin}"]
    limits: { timeout: 1500ms }
  named:
    source: ${guest}
    routes: ["/named"]
    allowedOutboundHosts: ["http://localhost:*"]
  wild:
    source: ${guest}
    routes: ["/wild"]
    allowedOutboundHosts: ["*://*:*"]
  none:
    source: ${guest}
    routes: ["/none"]
  sub:
    source: ${guest}
    routes: ["/sub"]
    allowedOutboundHosts: ["http://*.example.com", "http://api.example.net:8443"]
`);
  // Names of the world, connected to the upstream here (as curl's --connect-to): the list is checked on
  // the URL as written.
  const to = (hostPort: string) => `${hostPort}:127.0.0.1:${api.port}`;
  const connectTo = [
    to('api.example.com:80'),
    to('example.com:80'),
    to('api.example.net:8443'),
    to('api.example.net:80'),
  ].join(',');
  up = await startUp([dir], { env: { WASMKUBE_CONNECT_TO: connectTo } });
});

after(async () => {
  await up?.stop();
  await api?.close();
  await other?.close();
});

async function call(
  service: string,
  url: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${up.url}/${service}/call?url=${encodeURIComponent(url)}`, init);
  return { status: res.status, upstream: res.headers.get('x-upstream-status'), res, text: await res.text() };
}

describe('allowedOutboundHosts over real sockets', () => {
  test('an exact origin is reached, with a traceparent, and counted', async () => {
    const r = await call('exact', `${api.origin}/ok`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.upstream, '200');
    assert.equal(r.text, 'upstream ok\n');
    assert.match(r.res.headers.get('x-seen-traceparent') ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  test('another port, another scheme or a host name for the allowed IP are denied; the guest answers', async () => {
    const before = api.seen.length;
    for (const url of [
      `http://127.0.0.1:${other.port}/ok`,
      `https://127.0.0.1:${api.port}/ok`,
      `http://localhost:${api.port}/ok`,
    ]) {
      const r = await call('exact', url);
      assert.equal(r.status, 502, `${url}: ${r.text}`);
      assert.match(r.text, /^fetch rejected: /, url);
    }
    assert.equal(api.seen.length, before, 'nothing reached the upstream');
    assert.equal(other.seen.length, 0);
    const denied = up.logs.filter((l) => l.msg === 'outbound request denied' && l.service === 'exact');
    assert.ok(denied.length >= 3, 'each denial is logged');
    for (const l of denied) assert.match(String(l.reqId), /^[\w.-]+$/, 'with the request id');
  });

  test('a Host header naming another authority is denied', async () => {
    const before = api.seen.length;
    const r = await call('exact', `${api.origin}/ok`, { headers: { 'x-send-host': 'internal.example' } });
    // The guest's fetch() may drop a forbidden header itself; either way nothing reaches a server as Host.
    if (r.status === 200) assert.notEqual(api.seen.at(-1)?.headers.host, 'internal.example');
    else {
      assert.equal(r.status, 502, r.text);
      assert.equal(api.seen.length, before);
    }
  });

  test('a wildcard port on a name does not admit the IP literal it resolves to', async () => {
    assert.equal((await call('named', `http://localhost:${api.port}/ok`)).status, 200);
    const r = await call('named', `${api.origin}/ok`);
    assert.equal(r.status, 502, r.text);
  });

  test('a wildcard subdomain and an explicit port, by name', async () => {
    const ok = await call('sub', 'http://api.example.com/ok');
    assert.equal(ok.text, 'upstream ok\n');
    assert.equal(api.seen.at(-1)?.headers.host, 'api.example.com', 'the Host is the name as written');
    assert.equal(
      (await call('sub', 'http://example.com/ok')).status,
      502,
      'the bare domain is not a subdomain',
    );
    assert.equal((await call('sub', 'http://api.example.net:8443/ok')).text, 'upstream ok\n');
    assert.equal((await call('sub', 'http://api.example.net/ok')).status, 502, 'port 80 is not 8443');
    const denied = up.logs
      .filter((l) => l.msg === 'outbound request denied' && l.service === 'sub')
      .map((l) => l.target);
    assert.deepEqual(denied, ['http://example.com', 'http://api.example.net']);
  });

  test('no allowedOutboundHosts: nothing goes out, and /metrics counts the denials', async () => {
    const r = await call('none', `${api.origin}/ok`);
    assert.equal(r.status, 502);
    const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
    assert.ok(
      metric(samples, 'wasmkube_outbound_requests_total', {
        service: 'none',
        status: 'HTTP-request-denied',
      }) >= 1,
    );
    assert.ok(
      metric(samples, 'wasmkube_outbound_requests_total', {
        service: 'exact',
        target: api.origin,
        status: '200',
      }) >= 1,
    );
    assert.ok(
      metric(samples, 'wasmkube_outbound_request_duration_seconds_count', {
        service: 'exact',
        target: api.origin,
      }) >= 1,
    );
  });

  test('redirects are not followed by the host', async () => {
    const r = await call('exact', `${api.origin}/redirect`);
    assert.equal(r.status, 200);
    assert.equal(r.upstream, '302');
    assert.equal(r.res.headers.get('location'), `${other.origin}/ok`);
    assert.equal(other.seen.length, 0);
  });
});

describe('outbound failures reach the guest as error codes', () => {
  test('connection refused, DNS failure and a reset mid-body: fetch() rejects and the guest goes on', async () => {
    const refused = await call('wild', `http://127.0.0.1:${dead}/`);
    assert.equal(refused.status, 502, refused.text);
    const dns = await call('wild', 'http://no-such-host.invalid/');
    assert.equal(dns.status, 502, dns.text);
    const reset = await call('wild', `${api.origin}/reset`);
    assert.equal(reset.status, 200);
    assert.match(reset.text, /^partial\nbody failed: /);
    const fine = await call('wild', `${api.origin}/ok`);
    assert.equal(fine.text, 'upstream ok\n');
    const codes = up.logs.filter((l) => l.msg === 'outbound request failed').map((l) => l.error);
    assert.ok(codes.includes('connection-refused'), String(codes));
    assert.ok(codes.includes('DNS-error') || codes.includes('DNS-timeout'), String(codes));
  });

  test('a call past the deadline ends with the request: 504, and the upstream connection is closed', async () => {
    const started = api.seen.length;
    const closed = new Promise<void>((r) => {
      hangClosed = r;
    });
    const hanging = fetch(`${up.url}/exact/call?url=${encodeURIComponent(`${api.origin}/hang`)}`);
    // While that guest waits for its answer, it is suspended, not the thread: other requests are served.
    await new Promise((r) => setTimeout(r, 200));
    const meanwhile = await call('wild', `${api.origin}/ok`);
    assert.equal(meanwhile.text, 'upstream ok\n');
    const res = await hanging;
    assert.equal(res.status, 504);
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'GUEST_DEADLINE');
    assert.equal(api.seen.length, started + 2, 'both calls were made');
    await closed;
    // The next call from the same service still works.
    assert.equal((await call('exact', `${api.origin}/ok`)).status, 200);
  });
});

describe('outbound bodies stream both ways', () => {
  test('the response body reaches the guest (and its client) before the upstream has finished it', async () => {
    const res = await fetch(`${up.url}/exact/call?url=${encodeURIComponent(`${api.origin}/stream`)}`);
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('first part\n')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'ended before the first part');
      seen += decoder.decode(value);
    }
    // Only now does the upstream send the rest: had the host buffered the body, this would hang.
    releaseRest();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value);
    }
    assert.equal(seen, 'first part\nsecond part\n');
  });

  test('the request body reaches the upstream while the client is still sending it', async () => {
    const arrived = new Promise<number>((r) => {
      firstChunkArrived = r;
    });
    let sendRest: () => void = () => {};
    const rest = new Promise<void>((r) => {
      sendRest = r;
    });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(10_000).fill(97));
        await rest;
        controller.enqueue(new Uint8Array(5_000).fill(98));
        controller.close();
      },
    });
    const pending = fetch(
      `${up.url}/exact/call?method=POST&url=${encodeURIComponent(`${api.origin}/upload`)}`,
      { method: 'POST', body, duplex: 'half' } as RequestInit,
    );
    // The upstream sees bytes before the client has sent its second chunk: nothing waits for the end.
    assert.ok((await arrived) > 0);
    sendRest();
    const res = await pending;
    assert.equal(await res.text(), 'received 15000 bytes, chunked=true\n');
  });
});
