// Property tests of URL and header handling, on a real host over raw sockets: whatever request line and
// headers a client sends, the host answers with a status (or closes a connection it cannot parse),
// never a 5xx of its own for a guest that cannot fail, stays up, and refuses control characters in paths.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { params } from './config.ts';

let up: UpProcess;
let port: number;

before(async () => {
  const hello = await guestPath('hello-component');
  const wagi = await guestPath('wagi-hello');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: fuzz-http
host: { workers: 1 }
services:
  hello: { source: ${hello}, routes: ["/hello"] }
  wagi: { source: ${wagi}, routes: ["/wagi"] }
`);
  up = await startUp([dir, '--log-level', 'error']);
  port = Number(new URL(up.url).port);
});

after(async () => {
  await up.stop();
});

/** Sends raw bytes, returns the status of the first response, or 'closed' if none came before the end. */
function raw(bytes: Buffer, timeoutMs = 10_000): Promise<number | 'closed'> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new Error(
          `no answer within ${timeoutMs} ms to ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`,
        ),
      );
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(got);
      resolve(m ? Number(m[1]) : 'closed');
      s.destroy();
    };
    s.on('data', (d) => {
      got += d.toString('latin1');
      // Interim responses (100 Continue) come before the final one.
      const interim = /^HTTP\/1\.[01] 1\d\d [\s\S]*?\r\n\r\n/;
      for (let m = interim.exec(got); m; m = interim.exec(got)) got = got.slice(m[0].length);
      if (/^HTTP\/1\.[01] [2-5]\d\d /.test(got)) done();
    });
    s.on('error', done);
    s.on('close', done);
    s.end(bytes);
  });
}

const piece = fc.oneof(
  fc.constantFrom(
    '/',
    '//',
    '.',
    '..',
    '%2e%2e',
    '%2E',
    '%00',
    '%0a',
    '%0d%0a',
    '%2f',
    '%5c',
    '%',
    '%zz',
    '%ff',
    '?',
    '#',
    ';',
    '@',
    '\\',
    '~',
  ),
  fc.constantFrom('hello', 'wagi', 'health', 'ready', 'metrics', 'x'),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
  fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
);
const target = fc.oneof(
  fc.array(piece, { maxLength: 10 }).map((p) => `/${p.join('')}`),
  fc.array(piece, { maxLength: 6 }).map((p) => `/hello/${p.join('')}`),
  fc.array(piece, { maxLength: 6 }).map((p) => `http://127.0.0.1/wagi/${p.join('')}`),
  fc.constantFrom('*', 'http://', '127.0.0.1:80', '/hello?'.padEnd(9000, 'q'), ''),
);
const header = fc.oneof(
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(...'abcXYZ-_!#'.split('')), minLength: 1, maxLength: 10 }),
      fc.string({
        unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
        maxLength: 30,
      }),
    )
    .map(([n, v]) => `${n}: ${v}`),
  fc.constantFrom(
    'Host:',
    'Host: a',
    'Host: a\r\nHost: b',
    'Content-Length: 5',
    'Content-Length: -1',
    'Content-Length: 1, 2',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip, chunked',
    'Expect: 100-continue',
    'x-request-id: ../../x',
    ' leading: space',
    'no-colon',
    ': empty-name',
    'X-A: b\x00c',
    'Connection: upgrade',
  ),
);
const request = fc.record({
  method: fc.oneof(
    fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PRI'),
    fc.string({ unit: fc.constantFrom(...'GETPOSX'.split('')), minLength: 1, maxLength: 6 }),
  ),
  target,
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x'),
  headers: fc.array(header, { maxLength: 5 }),
  body: fc.string({ maxLength: 20 }),
});

test('any request line and headers: a status or a close, never a host 5xx, and the host stays up', async () => {
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const head = [
        `${r.method} ${r.target} ${r.version}`,
        'Host: 127.0.0.1',
        ...r.headers,
        'Connection: close',
      ];
      const status = await raw(Buffer.from(`${head.join('\r\n')}\r\n\r\n${r.body}`, 'latin1'));
      if (status !== 'closed')
        assert.ok(status >= 200 && status < 500, `status ${status} for ${JSON.stringify(head)}`);
    }),
    params(),
  );
  assert.equal((await fetch(`${up.url}/health`)).status, 200);
  assert.equal(up.proc.exitCode, null, 'the host is still running');
});

test('a path with an encoded control character is refused with 400 before any routing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/hello', '/wagi', '/health', '/nope'),
      fc.integer({ min: 0, max: 0x1f }),
      fc.string({ unit: fc.constantFrom(...'ab/'.split('')), maxLength: 4 }),
      async (prefix, c, tail) => {
        const esc = `%${c.toString(16).padStart(2, '0')}`;
        const status = await raw(
          Buffer.from(`GET ${prefix}/${esc}${tail} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
        );
        assert.equal(status, 400, `${prefix}/${esc}${tail}`);
      },
    ),
    params(0.5),
  );
});
