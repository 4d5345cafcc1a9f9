// Regression (found by test/fuzz/cgi.test.ts): a CGI head line such as "\r:" gave a header with an
// empty name, and names or values HTTP forbids reached Node's writeHead, which threw; the parser now
// refuses them itself, naming the header, so the guest gets its usual 502 GUEST_RESPONSE.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCgiOutput } from '../../src/host/engines/wagi/cgi.ts';

const parse = (text: string) => parseCgiOutput(Buffer.from(text, 'latin1'));

test('CGI header names must be tokens and values free of control characters', () => {
  assert.match(String(parse('\r:\r\n\r\n')), /header name "" is not an HTTP token/);
  assert.match(String(parse('X Bad: value\n\nbody')), /header name "x bad" is not an HTTP token/);
  assert.match(String(parse('X-Ok: a\u0001b\n\n')), /header x-ok has a control character/);
  const ok = parse('Content-Type: text/plain\nX-Tab: a\tb\nX-Latin: caf\u00e9\n\nbody');
  assert.notEqual(typeof ok, 'string', String(ok));
  assert.deepEqual(typeof ok === 'string' ? [] : ok.headers, [
    ['content-type', 'text/plain'],
    ['x-tab', 'a\tb'],
    ['x-latin', 'caf\u00e9'],
  ]);
});
