// Picks the service for a request path: longest matching route prefix wins, on path-segment boundaries,
// the way an Ingress with pathType Prefix does. Built once; matching allocates nothing.

import type { Route } from '../../manifest/index.ts';

export interface RouteEntry<T> {
  readonly prefix: string;
  readonly target: T;
}

export class Router<T> {
  readonly #entries: RouteEntry<T>[];

  constructor(routes: Iterable<{ route: Route; target: T }>) {
    const entries: RouteEntry<T>[] = [];
    for (const { route, target } of routes) entries.push({ prefix: route.prefix, target });
    // Longest prefix first, so `/orders/admin` beats `/orders`, and `/` (catch-all) comes last.
    entries.sort((a, b) => b.prefix.length - a.prefix.length);
    this.#entries = entries;
  }

  match(path: string): RouteEntry<T> | undefined {
    for (const e of this.#entries) {
      const p = e.prefix;
      if (p === '/') return e;
      if (path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === 47) /* / */) {
        return e;
      }
    }
    return undefined;
  }
}
