// Route patterns of a service (`/orders`, `/orders/...`, `/...`) and what they match. The host's router
// picks among services; this module only says what one route means, so both agree on the semantics.

import { WasmkubeError } from '../errors.ts';

/** A route of a service, parsed from what the manifest says. */
export interface Route {
  /** The pattern as written in the manifest, e.g. `/orders/...`. */
  readonly pattern: string;
  /** The path prefix it matches on segment boundaries, without a trailing slash except for `/`. */
  readonly prefix: string;
  /** Whether it was written Spin-style with a trailing `/...`; it matches the same paths either way. */
  readonly wildcard: boolean;
}

/** Paths the host answers itself (probes and metrics); no service may claim them or anything below. */
export const RESERVED_PATHS: readonly string[] = ['/health', '/ready', '/metrics'];

const SEGMENT_RE = /^(?:[A-Za-z0-9\-._~!$&'()+,;=:@]|%[0-9A-Fa-f]{2})+$/;

function bad(pattern: string, what: string, fix: string): WasmkubeError {
  return new WasmkubeError('BAD_ARGUMENT', `route '${pattern}' ${what}`, { fix });
}

/**
 * Parses a route pattern. A plain path is a prefix match on segment boundaries (like Ingress pathType
 * Prefix); `/x/...` means the same and `/...` is a catch-all. Reserved paths are refused here too.
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, when the pattern is not a route.
 */
export function parseRoute(pattern: string): Route {
  if (!pattern.startsWith('/')) {
    throw bad(pattern, "does not start with '/'", `write it as '/${pattern.replace(/^\/*/, '')}'`);
  }
  if (/[?#]/.test(pattern)) {
    throw bad(pattern, 'has a query or fragment', 'routes match paths only; remove everything from ? or #');
  }
  if (pattern.includes('*')) {
    throw bad(pattern, "uses '*'", "write '/prefix/...' to match a path and everything below it");
  }
  const wildcard = pattern === '/...' || pattern.endsWith('/...');
  const path = wildcard ? pattern.slice(0, -'/...'.length) : pattern;
  const prefix = path.replace(/\/+$/, '') || '/';
  const segments = prefix === '/' ? [] : prefix.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') throw bad(pattern, "has an empty segment ('//')", 'remove the extra slash');
    if (segment === '.' || segment === '..' || segment === '...') {
      throw bad(
        pattern,
        `has a '${segment}' segment`,
        "only a final '/...' is allowed; remove the dot segment",
      );
    }
    if (!SEGMENT_RE.test(segment)) {
      throw bad(pattern, `has characters not allowed in a URL path in '${segment}'`, 'percent-encode them');
    }
  }
  const reserved = RESERVED_PATHS.find((r) => prefix === r || prefix.startsWith(`${r}/`));
  if (reserved !== undefined) {
    throw bad(
      pattern,
      `is reserved: the host serves ${reserved} itself`,
      `choose another path, e.g. '/api${prefix}' (reserved: ${RESERVED_PATHS.join(', ')})`,
    );
  }
  return { pattern, prefix, wildcard };
}

/**
 * Whether `path` (a URL pathname; a query string is ignored) falls under `route`: equal to its prefix or
 * below it on a segment boundary, so `/orders` matches `/orders` and `/orders/1` but not `/ordersx`.
 */
export function routeMatches(route: Route, path: string): boolean {
  if (route.prefix === '/') return true;
  const end = path.search(/[?#]/);
  const pathname = end < 0 ? path : path.slice(0, end);
  return pathname === route.prefix || pathname.startsWith(`${route.prefix}/`);
}
