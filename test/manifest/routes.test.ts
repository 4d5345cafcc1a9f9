// Route patterns and what they match: prefix on segment boundaries (like Ingress pathType Prefix),
// Spin-style '/...' wildcards, and the patterns the manifest refuses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRoute, routeMatches } from '../../src/manifest/index.ts';

describe('parseRoute', () => {
  const ok: [string, string, boolean][] = [
    ['/', '/', false],
    ['/...', '/', true],
    ['/orders', '/orders', false],
    ['/orders/', '/orders', false],
    ['/orders/...', '/orders', true],
    ['/api/v1/orders', '/api/v1/orders', false],
    ['/a%20b', '/a%20b', false],
    ['/healthz', '/healthz', false],
  ];
  for (const [pattern, prefix, wildcard] of ok) {
    it(`parses ${pattern}`, () => assert.deepEqual(parseRoute(pattern), { pattern, prefix, wildcard }));
  }
  const bad: [string, RegExp][] = [
    ['orders', /does not start with '\/'/],
    ['', /does not start with '\/'/],
    ['/orders/*', /uses '\*'/],
    ['/orders?x=1', /query/],
    ['/a//b', /empty segment/],
    ['/a/../b', /'\.\.' segment/],
    ['/a/.../b', /'\.\.\.' segment/],
    ['/a b', /not allowed/],
    ['/health', /reserved/],
    ['/ready/...', /reserved/],
    ['/metrics/x', /reserved/],
  ];
  for (const [pattern, message] of bad) {
    it(`refuses ${JSON.stringify(pattern)}`, () =>
      assert.throws(() => parseRoute(pattern), { code: 'BAD_ARGUMENT', message }));
  }
});

describe('routeMatches', () => {
  const table: [string, string, boolean][] = [
    ['/orders', '/orders', true],
    ['/orders', '/orders/', true],
    ['/orders', '/orders/1', true],
    ['/orders', '/orders/1/items', true],
    ['/orders', '/orders?page=2', true],
    ['/orders', '/ordersx', false],
    ['/orders', '/order', false],
    ['/orders', '/', false],
    ['/orders', '/Orders', false],
    ['/orders', '/api/orders', false],
    ['/orders/...', '/orders', true],
    ['/orders/...', '/orders/1', true],
    ['/orders/...', '/ordersx', false],
    ['/orders/', '/orders/1', true],
    ['/api/v1', '/api/v1/x', true],
    ['/api/v1', '/api/v10', false],
    ['/...', '/', true],
    ['/...', '/anything/at/all', true],
    ['/', '/', true],
    ['/', '/x', true],
  ];
  for (const [pattern, path, expected] of table) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${path}`, () => {
      assert.equal(routeMatches(parseRoute(pattern), path), expected);
    });
  }
});
