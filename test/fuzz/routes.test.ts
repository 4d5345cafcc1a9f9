// Property tests of route matching: parseRoute accepts a pattern or says why not (BAD_ARGUMENT, with a
// fix), and the host's Router picks for every path the longest route that routeMatches says matches it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isWasmkubeError } from '../../src/errors.ts';
import { Router } from '../../src/host/core/router.ts';
import { parseRoute, RESERVED_PATHS, type Route, routeMatches } from '../../src/manifest/index.ts';
import { params } from './config.ts';

const segment = fc.oneof(
  fc.constantFrom('a', 'b', 'orders', 'api', 'v1', '%20', 'x.y', '~u', 'health', 'metrics'),
  fc.string({ unit: fc.constantFrom(...'abz09-._~'.split('')), minLength: 1, maxLength: 4 }),
);
const pattern = fc
  .tuple(fc.array(segment, { maxLength: 4 }), fc.constantFrom('', '/', '/...'))
  .map(([segs, tail]) =>
    segs.length === 0 ? (tail === '/...' ? '/...' : '/') : `/${segs.join('/')}${tail}`,
  );

test('parseRoute: any text is a route or a BAD_ARGUMENT error with a fix', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    pattern,
    pattern.map((p) => p.replace('/', '//')),
  );
  fc.assert(
    fc.property(text, (p) => {
      let route: Route;
      try {
        route = parseRoute(p);
      } catch (err) {
        assert.ok(isWasmkubeError(err) && err.code === 'BAD_ARGUMENT' && err.fix, String(err));
        return;
      }
      assert.ok(route.prefix.startsWith('/'));
      assert.ok(route.prefix === '/' || !route.prefix.endsWith('/'), `prefix ${route.prefix}`);
      assert.ok(!RESERVED_PATHS.some((r) => route.prefix === r || route.prefix.startsWith(`${r}/`)));
      assert.ok(!/(^|\/)\.\.?(\/|$)/.test(route.prefix), `no dot segment in ${route.prefix}`);
      // A route matches its own prefix and what lies below it, never a sibling that merely starts alike.
      assert.ok(routeMatches(route, route.prefix));
      assert.ok(routeMatches(route, `${route.prefix === '/' ? '' : route.prefix}/below`));
      if (route.prefix !== '/') assert.ok(!routeMatches(route, `${route.prefix}x`));
    }),
    params(4),
  );
});

test('Router.match agrees with routeMatches and prefers the longest route', () => {
  const routes = fc.uniqueArray(pattern, { maxLength: 6 }).map((ps) =>
    ps.flatMap((p) => {
      try {
        return [parseRoute(p)];
      } catch {
        return [];
      }
    }),
  );
  const path = fc
    .tuple(fc.array(segment, { maxLength: 5 }), fc.boolean())
    .map(([s, slash]) => `/${s.join('/')}${slash ? '/' : ''}`);
  fc.assert(
    fc.property(routes, path, (rs, p) => {
      const unique = [...new Map(rs.map((r) => [r.prefix, r])).values()];
      const router = new Router(unique.map((route) => ({ route, target: route })));
      const hit = router.match(p)?.target;
      const matching = unique.filter((r) => routeMatches(r, p));
      if (matching.length === 0) {
        assert.equal(hit, undefined, `${p} matched ${hit?.prefix} though no route matches it`);
        return;
      }
      assert.ok(hit, `${p} matched nothing though ${matching.map((r) => r.prefix)} match it`);
      assert.ok(routeMatches(hit, p), `${p} routed to ${hit.prefix}, which does not match it`);
      const longest = Math.max(...matching.map((r) => r.prefix.length));
      assert.equal(hit.prefix.length, longest, `${p}: ${hit.prefix} chosen over a longer match`);
    }),
    params(4),
  );
});
