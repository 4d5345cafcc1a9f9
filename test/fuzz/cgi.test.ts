// Property tests of WAGI's CGI layer: the environment a request becomes cannot be forged from the
// request (no NUL to split entries, server-set variables never shadowed), and whatever bytes a guest
// prints, the response parser returns a response or a reason, never throws.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isWasmkubeError } from '../../src/errors.ts';
import type { BodyReader } from '../../src/host/core/body.ts';
import type { GuestRequest } from '../../src/host/core/engine.ts';
import { cgiEnvironment, parseCgiOutput } from '../../src/host/engines/wagi/cgi.ts';
import { params } from './config.ts';

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
const token = fc.string({ unit: fc.constantFrom(...TCHAR.split('')), minLength: 1, maxLength: 16 });
/** What Node's parser lets through in a header value: no CR, LF or NUL (obs-text included). */
const headerValue = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
/** Path and query characters as they arrive on the wire, percent-escapes (of anything) included. */
const pathPiece = fc.oneof(
  fc.constantFrom(
    '/',
    '.',
    '..',
    '%00',
    '%0a',
    '%0d',
    '%3d',
    '%2f',
    '%',
    '%zz',
    '=',
    '&',
    '+',
    'REMOTE_ADDR=6.6.6.6',
  ),
  fc.string({ unit: fc.constantFrom(...'abcXYZ09-_~!$'.split('')), maxLength: 6 }),
  fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`),
);
const path = fc.array(pathPiece, { maxLength: 12 }).map((p) => `/${p.join('')}`);

const SERVER_SET = [
  'AUTH_TYPE',
  'CONTENT_LENGTH',
  'CONTENT_TYPE',
  'GATEWAY_INTERFACE',
  'PATH_INFO',
  'QUERY_STRING',
  'REMOTE_ADDR',
  'REMOTE_HOST',
  'REMOTE_USER',
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'SERVER_NAME',
  'SERVER_PORT',
  'SERVER_PROTOCOL',
  'SERVER_SOFTWARE',
];

const request = fc.record({
  path,
  query: fc.option(
    fc.array(pathPiece, { maxLength: 8 }).map((p) => p.join('')),
    { nil: undefined },
  ),
  prefix: fc.constantFrom('/', '/orders', '/a/b'),
  headers: fc.array(
    fc.tuple(
      fc.oneof(
        token,
        fc.constantFrom('content-type', 'remote-addr', 'authorization', 'x-forwarded-for', 'host'),
      ),
      headerValue,
    ),
    { maxLength: 8 },
  ),
  serviceEnv: fc.dictionary(
    fc.constantFrom('REMOTE_ADDR', 'SERVER_NAME', 'APP_MODE', 'PATH_INFO'),
    fc.string({ maxLength: 8 }),
    {
      maxKeys: 3,
    },
  ),
});

test('the CGI environment: no NUL in any entry, unique names, server-set variables are the server’s', () => {
  fc.assert(
    fc.property(request, (r) => {
      const req: GuestRequest = {
        method: 'POST',
        pathWithQuery: r.query === undefined ? r.path : `${r.path}?${r.query}`,
        scheme: 'http',
        authority: '127.0.0.1:8080',
        headers: r.headers,
        body: null as unknown as BodyReader,
        requestId: 'req-1',
        remoteAddress: '10.1.2.3',
        routePrefix: r.prefix,
      };
      let env: string[];
      try {
        env = cgiEnvironment(req, r.serviceEnv, 7);
      } catch (err) {
        // Refusing is fine (the host answers 400 before this for such a path): forging is not.
        assert.ok(isWasmkubeError(err), String(err));
        return;
      }
      const names = new Map<string, string>();
      for (const entry of env) {
        // preview1 passes the environment NUL-joined: a NUL in an entry would start a forged one.
        assert.ok(!entry.includes('\0'), `entry with a NUL: ${JSON.stringify(entry)}`);
        const eq = entry.indexOf('=');
        assert.ok(eq > 0, `entry without a name: ${JSON.stringify(entry)}`);
        const name = entry.slice(0, eq);
        assert.ok(!names.has(name), `${name} twice`);
        names.set(name, entry.slice(eq + 1));
      }
      for (const name of SERVER_SET) assert.ok(names.has(name), `${name} is set`);
      assert.equal(names.get('REMOTE_ADDR'), '10.1.2.3');
      assert.equal(names.get('REMOTE_USER'), '');
      assert.equal(names.get('AUTH_TYPE'), '');
      assert.equal(names.get('CONTENT_LENGTH'), '7');
      assert.equal(names.get('SERVER_NAME'), '127.0.0.1');
      assert.equal(names.get('SERVER_PORT'), '8080');
      assert.equal(names.get('SCRIPT_NAME'), r.prefix === '/' ? '' : r.prefix);
      assert.ok(!names.has('HTTP_AUTHORIZATION'), 'credentials stay out of the environment');
    }),
    params(4),
  );
});

test('the CGI response parser: any bytes give a response or a reason, never an exception', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc
      .array(
        fc.constantFrom(
          'Status: 200',
          'Status: 99',
          'Status: abc',
          'Location: /x',
          'X: y',
          ':',
          'a',
          '\n',
          '\r\n',
          '\r',
          ' ',
          'body',
        ),
        {
          maxLength: 20,
        },
      )
      .map((parts) => new TextEncoder().encode(parts.join(''))),
  );
  fc.assert(
    fc.property(bytes, (out) => {
      const r = parseCgiOutput(out);
      if (typeof r === 'string') {
        assert.ok(r.length > 0);
        return;
      }
      assert.ok(Number.isInteger(r.status) && r.status >= 200 && r.status <= 599, `status ${r.status}`);
      for (const [name, value] of r.headers) {
        // Only what an HTTP response may carry: a token for a name, no control character in a value.
        assert.match(name, /^[!#$%&'*+\-.^_`|~0-9a-z]+$/, `name ${JSON.stringify(name)}`);
        assert.ok(
          ![...value].some((c) => (c < ' ' && c !== '\t') || c === '\x7f'),
          `value ${JSON.stringify(value)}`,
        );
      }
      // The body is what follows the head, byte for byte.
      assert.ok(r.body.length <= out.length);
      assert.deepEqual(r.body, out.subarray(out.length - r.body.length));
    }),
    params(4),
  );
});

test('the CGI response parser reads back any well-formed head and body', () => {
  fc.assert(
    fc.property(
      fc.option(fc.integer({ min: 200, max: 599 }), { nil: undefined }),
      fc.array(
        fc.tuple(
          token.filter((t) => t !== 'status' && t !== 'location'),
          headerValue.map((v) => v.trim()),
        ),
        { maxLength: 6 },
      ),
      fc.uint8Array({ maxLength: 200 }),
      fc.boolean(),
      (status, headers, body, crlf) => {
        const nl = crlf ? '\r\n' : '\n';
        const lines = [...(status ? [`Status: ${status}`] : []), ...headers.map(([k, v]) => `${k}: ${v}`)];
        if (lines.length === 0) lines.push('content-type: text/plain');
        const head = Buffer.from(`${lines.join(nl)}${nl}${nl}`, 'latin1');
        const r = parseCgiOutput(Buffer.concat([head, body]));
        assert.notEqual(typeof r, 'string', String(r));
        if (typeof r === 'string') return;
        assert.equal(r.status, status ?? 200);
        assert.deepEqual(
          r.headers,
          lines
            .filter((l) => !l.startsWith('Status:'))
            .map((l) => {
              const i = l.indexOf(':');
              return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
            }),
        );
        assert.deepEqual(Buffer.from(r.body), Buffer.from(body));
      },
    ),
    params(2),
  );
});
