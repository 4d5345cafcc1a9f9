// Property tests (fast-check, fixed seed, bounded runs) for the CGI environment builder and the CGI
// response parser: whatever a client sends or a guest prints, no entry splits, server-set variables keep
// their values, and the parser answers within its bound without throwing.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { GuestRequest } from '../../src/host/core/engine.ts';
import { cgiEnvironment, MAX_CGI_HEAD, parseCgiOutput } from '../../src/host/engines/wagi/cgi.ts';

const SERVER_SET = [
  'REMOTE_ADDR',
  'REMOTE_USER',
  'AUTH_TYPE',
  'SCRIPT_NAME',
  'CONTENT_LENGTH',
  'SERVER_NAME',
];

describe('cgiEnvironment, properties', () => {
  test('no entry holds NUL, CR or LF; each server-set variable appears once, with the server value', () => {
    const name = fc.oneof(
      fc.constantFrom(
        'remote-addr',
        'REMOTE_ADDR',
        'remote_user',
        'x-a',
        'proxy',
        'content-type',
        'script-name',
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('a\u0000REMOTE_ADDR=6', 'b\nX=1', 'c\r'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 12 }), (headers) => {
        const req = {
          method: 'GET',
          pathWithQuery: '/svc/x?y=1',
          scheme: 'http',
          authority: '127.0.0.1:8080',
          headers,
          body: null,
          requestId: 'r',
          remoteAddress: '10.1.2.3',
          routePrefix: '/svc',
        } as unknown as GuestRequest;
        let env: string[];
        try {
          env = cgiEnvironment(req, { SERVICE: 'on' }, 0);
        } catch (err) {
          // Only a server-set value may refuse the request, and these are clean here.
          throw new Error(`threw for headers ${JSON.stringify(headers)}: ${err}`);
        }
        for (const e of env) assert.ok(!['\u0000', '\r', '\n'].some((c) => e.includes(c)), JSON.stringify(e));
        for (const k of SERVER_SET) assert.equal(env.filter((e) => e.startsWith(`${k}=`)).length, 1, k);
        assert.ok(env.includes('REMOTE_ADDR=10.1.2.3'));
        assert.ok(env.includes('REMOTE_USER='));
        assert.ok(env.includes('SCRIPT_NAME=/svc'));
      }),
      { seed: 10, numRuns: 2000 },
    );
  });
});

describe('parseCgiOutput, properties', () => {
  test('never throws; what it accepts has a head within the bound and a status from 200 to 599', () => {
    const line = fc.oneof(
      fc.constantFrom(
        'Content-Type: text/plain',
        'Status: 201',
        'Status: 99',
        'Location: /x',
        ': x',
        'nocolon',
      ),
      fc.string({ maxLength: 30 }),
    );
    const output = fc
      .tuple(
        fc.array(line, { maxLength: 10 }),
        fc.constantFrom('\n\n', '\n\r\n', ''),
        fc.string({ maxLength: 20 }),
      )
      .map(([lines, sep, body]) => Buffer.from(`${lines.join('\n')}${sep}${body}`));
    fc.assert(
      fc.property(fc.oneof(output, fc.uint8Array({ maxLength: 200 })), (out) => {
        const r = parseCgiOutput(out);
        if (typeof r === 'string') return;
        assert.ok(r.status >= 200 && r.status <= 599);
        let size = 0;
        for (const [n, v] of r.headers) size += n.length + v.length + 4;
        assert.ok(size <= MAX_CGI_HEAD);
      }),
      { seed: 10, numRuns: 2000 },
    );
  });
});
