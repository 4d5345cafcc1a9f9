// Paths handled one way (decoded once, dot segments resolved, NUL and control characters refused,
// absolute-form targets) and a CGI environment that clients cannot forge, against real WAGI guests
// behind the real CLI on 127.0.0.1; the parsers themselves are checked in memory too.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseRequestTarget } from '../../src/host/core/request-target.ts';
import { cgiEnvironment, MAX_CGI_HEAD, parseCgiOutput } from '../../src/host/engines/wagi/cgi.ts';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { connect, rawRequest } from '../helpers/raw-http.ts';

let up: UpProcess;
const HEAD = 'Host: 127.0.0.1\r\n';

before(async () => {
  const [wagi, hostile] = await Promise.all([guestPath('wagi-test'), guestPath('wagi-hostile')]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: targets
host: { workers: 1 }
services:
  orders: { source: ${wagi}, routes: ["/orders/..."] }
  hostile: { source: ${hostile}, routes: ["/hostile/..."] }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

function envOf(text: string): Record<string, string> {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return Object.fromEntries(
    body
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The status line and head only. Raw, so that no client or URL parser cleans the target up first. */
function get(target: string, headers = ''): Promise<{ status: number; text: string }> {
  return rawRequest(up.url, `GET ${target} HTTP/1.1\r\n${HEAD}${headers}connection: close\r\n\r\n`);
}

/** The whole response, read until the host closes. */
async function getAll(target: string, headers = ''): Promise<{ status: number; text: string }> {
  const c = await connect(up.url);
  c.socket.write(`GET ${target} HTTP/1.1\r\n${HEAD}${headers}connection: close\r\n\r\n`);
  await c.closed;
  const text = c.received();
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
}

describe('one reading of the path', () => {
  test('an encoded NUL or control character in the path or the query is refused with 400', async () => {
    for (const t of [
      '/orders/env%00',
      '/orders/env%00REMOTE_ADDR=6.6.6.6',
      '/orders/env%0aX=1',
      '/orders/env%7f',
      '/orders/env?x=%00REMOTE_USER=root',
      '/orders/env?x=%0D%0A',
    ]) {
      const r = await get(t);
      assert.equal(r.status, 400, t);
      assert.match(r.text, /BAD_REQUEST/, t);
    }
  });

  test('dot segments, plain or encoded, are resolved before routing', async () => {
    for (const t of [
      '/orders/../health',
      '/orders/%2e%2e/health',
      '/orders/%2E./health',
      '/orders%2f..%2fhealth',
    ]) {
      const r = await getAll(t);
      assert.equal(r.status, 200, t);
      assert.match(r.text, /"status":"ok"/, `${t} reaches /health, not the orders service`);
    }
    const inside = envOf((await getAll('/orders/a/./b/../../env')).text);
    assert.equal(inside.PATH_INFO, '/env');
    const escaped = envOf((await getAll('/orders/env/..%2f..%2f..%2fetc')).text);
    assert.equal(escaped.SCRIPT_NAME, undefined, 'resolved to /etc: no service serves it');
    const r = await getAll('/orders/env/..%2f..%2f..%2fetc');
    assert.equal(r.status, 404);
  });

  test('a guest never sees .. in PATH_INFO or X_RAW_PATH_INFO', async () => {
    for (const t of ['/orders/x/..', '/orders/x/%2e%2e/y', '/orders/x/%2E%2E%2Fy', '/orders/.%2e/orders/z']) {
      const r = await getAll(t);
      // wagi-test answers an unknown PATH_INFO with 404 "not found: PATH_INFO".
      const seen = /not found: (.*)\n/.exec(r.text)?.[1];
      assert.equal(r.status, 404, t);
      assert.ok(seen !== undefined && !seen.includes('..'), `${t}: PATH_INFO ${seen}`);
    }
  });

  test('an absolute-form target routes on its path and takes its authority (RFC 9112 3.2.2)', async () => {
    const r = await getAll('http://shop.example:8443/orders/env?x=1', 'x-check: 1\r\n');
    assert.equal(r.status, 200);
    const vars = envOf(r.text);
    assert.equal(vars.PATH_INFO, '/env');
    assert.equal(vars.QUERY_STRING, 'x=1');
    assert.equal(vars.SERVER_NAME, 'shop.example');
    assert.equal(vars.SERVER_PORT, '8443');
    assert.equal(vars.X_FULL_URL, 'http://shop.example:8443/orders/env?x=1');
  });

  test('targets that are neither origin- nor absolute-form get 400', async () => {
    for (const t of ['orders/env', 'ftp://x/orders/env', '/orders/%zz', '/orders/%FF'])
      assert.equal((await get(t)).status, 400, t);
    assert.equal((await fetch(`${up.url}/health`)).status, 200);
  });
});

describe('a CGI environment clients cannot forge', () => {
  test('headers cannot set or shadow REMOTE_ADDR, REMOTE_USER, AUTH_TYPE, SCRIPT_NAME or CONTENT_*', async () => {
    const r = await getAll(
      '/orders/env',
      [
        'REMOTE_ADDR: 6.6.6.6',
        'Remote-User: root',
        'X_Forwarded_For: 6.6.6.6',
        'Proxy: http://evil.example',
        'Script-Name: /admin',
        'Content-Length-X: 1',
        'Auth-Type: Basic',
        'X-Ok: yes',
        '',
      ].join('\r\n'),
    );
    assert.equal(r.status, 200);
    const vars = envOf(r.text);
    assert.equal(vars.REMOTE_ADDR, '127.0.0.1');
    assert.equal(vars.REMOTE_USER, '');
    assert.equal(vars.AUTH_TYPE, '');
    assert.equal(vars.SCRIPT_NAME, '/orders');
    assert.equal(vars.HTTP_X_OK, 'yes');
    assert.equal(vars.HTTP_REMOTE_USER, 'root', 'passed, under its own HTTP_ name');
    assert.equal(vars.HTTP_PROXY, undefined, 'httpoxy: no HTTP_PROXY from a Proxy header');
    assert.equal(vars.HTTP_X_FORWARDED_FOR, undefined, 'a name with _ could pose as another header');
    assert.equal(vars.HTTP_REMOTE_ADDR, undefined);
    assert.equal(
      Object.keys(vars).filter((k) => k === 'REMOTE_ADDR').length,
      1,
      'exactly one REMOTE_ADDR entry',
    );
  });

  test('the environment builder: nothing that can split an entry, server-set variables win', () => {
    const req = {
      method: 'GET',
      pathWithQuery: '/orders/env?x=1',
      scheme: 'http' as const,
      authority: '127.0.0.1:80',
      headers: [
        ['x-a', 'one\u0000REMOTE_ADDR=6.6.6.6'],
        ['x-b', 'two\nREMOTE_USER=root'],
        ['x-c', 'three'],
      ] as [string, string][],
      body: null as never,
      requestId: 'r1',
      remoteAddress: '10.0.0.1',
      routePrefix: '/orders',
    };
    const env = cgiEnvironment(req, { REMOTE_ADDR: 'from-manifest', HTTP_X_C: 'operator', OK: 'ok' }, 0);
    for (const e of env) assert.ok(!e.includes('\u0000') && !e.includes('\n') && !e.includes('\r'), e);
    assert.deepEqual(
      env.filter((e) => e.startsWith('REMOTE_ADDR=')),
      ['REMOTE_ADDR=10.0.0.1'],
    );
    assert.ok(env.includes('HTTP_X_C=operator'), 'the service env wins over a header');
    assert.ok(env.includes('OK=ok'));
    assert.ok(!env.some((e) => e.startsWith('HTTP_X_A=') || e.startsWith('HTTP_X_B=')));
    assert.throws(
      () => cgiEnvironment({ ...req, pathWithQuery: '/orders/a%00b' }, {}, 0),
      /control character into PATH_INFO/,
    );
  });
});

describe('CGI response heads', () => {
  test('a 64 KiB CGI head is refused with 502; one that clients accept is relayed', async () => {
    const huge = await fetch(`${up.url}/hostile/head?kb=64`);
    assert.equal(huge.status, 502);
    const body = (await huge.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'GUEST_RESPONSE');
    assert.match(body.error.message, /header block is longer than/);
    // Node's own client takes 16 KiB of response head: what the host relays, it takes.
    const fits = await fetch(`${up.url}/hostile/head?kb=12`);
    assert.equal(fits.status, 200);
    assert.equal(fits.headers.get('x-pad-11')?.length, 1000);
    assert.equal(await fits.text(), 'head of 12 KiB\n');
  });

  test('the parser bounds what it scans and what it relays', () => {
    const head = (n: number) => `Content-Type: text/plain\n${'X-P: '.padEnd(n, 'a')}\n\nbody`;
    assert.equal(typeof parseCgiOutput(Buffer.from(head(MAX_CGI_HEAD - 100))), 'object');
    assert.match(String(parseCgiOutput(Buffer.from(head(MAX_CGI_HEAD + 10)))), /longer than/);
    assert.match(String(parseCgiOutput(Buffer.alloc(200_000, 0x61))), /longer than/);
  });
});

describe('parseRequestTarget', () => {
  test('canonical forms', () => {
    const cases: [string, string | null][] = [
      ['/orders/1?x=2', '/orders/1?x=2'],
      ['/a/b/..', '/a/'],
      ['/a/./b/', '/a/b/'],
      ['/../..', '/'],
      ['/%6Frders', '/orders'],
      ['/a%20b', '/a%20b'],
      ['/a/%3F?x', '/a/%3F?x'],
      ['/x%00', null],
      ['/x?%1f', null],
      ['/a b', null],
      ['*', null],
    ];
    for (const [raw, want] of cases) {
      const t = parseRequestTarget(raw);
      if (want === null) assert.equal(typeof t, 'string', raw);
      else assert.equal(typeof t === 'string' ? t : t.pathWithQuery, want, raw);
    }
  });
});

describe('parseRequestTarget, properties (fixed seed)', () => {
  const segment = fc.oneof(
    fc.constantFrom('.', '..', '%2e', '%2E%2e', '%2f', '%00', '%0a', '%7f', '%zz', '%ff', '%c3%a9', 'a', ''),
    fc.string({ maxLength: 6 }),
  );
  const target = fc
    .tuple(fc.array(segment, { maxLength: 8 }), fc.option(fc.string({ maxLength: 10 })))
    .map(([segs, q]) => `/${segs.join('/')}${q === null ? '' : `?${q}`}`);

  test('never throws; what it accepts has no dot segment or control character, and is a fixed point', () => {
    fc.assert(
      fc.property(fc.oneof(target, fc.string({ maxLength: 40 })), (raw) => {
        const t = parseRequestTarget(raw);
        if (typeof t === 'string') return;
        const decoded = decodeURIComponent(t.path);
        assert.ok(!/(^|\/)\.\.?(\/|$)/.test(decoded.replaceAll('%2F', '/')), `${raw} → ${t.path}`);
        assert.ok(!decoded.split('').some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127), raw);
        const again = parseRequestTarget(t.pathWithQuery);
        assert.deepEqual(again, { path: t.path, query: t.query, pathWithQuery: t.pathWithQuery }, raw);
      }),
      { seed: 10, numRuns: 3000 },
    );
  });
});
