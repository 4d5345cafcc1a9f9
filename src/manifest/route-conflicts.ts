// Route claims across services: two services (or one service twice) may not claim the same path prefix,
// since the router could not tell which one should answer. Runs on unvalidated input, so it tolerates any shape.

import type { RawIssue } from './issues.ts';
import { parseRoute } from './routes.ts';

export function routeConflicts(input: unknown): RawIssue[] {
  const services = (input as { services?: unknown } | null)?.services;
  if (services === null || typeof services !== 'object' || Array.isArray(services)) return [];
  const owners = new Map<string, { service: string; pattern: string }>();
  const issues: RawIssue[] = [];
  for (const [service, spec] of Object.entries(services)) {
    const routes = (spec as { routes?: unknown } | null)?.routes;
    if (!Array.isArray(routes)) continue;
    routes.forEach((pattern: unknown, index) => {
      if (typeof pattern !== 'string') return;
      let prefix: string;
      try {
        prefix = parseRoute(pattern).prefix;
      } catch {
        return;
      }
      const owner = owners.get(prefix);
      if (owner === undefined) {
        owners.set(prefix, { service, pattern });
        return;
      }
      const same = owner.service === service;
      issues.push({
        path: ['services', service, 'routes', index],
        message: same
          ? `route '${pattern}' is listed twice in this service (as '${owner.pattern}')`
          : `route '${pattern}' is already claimed by service ${owner.service} (as '${owner.pattern}')`,
        fix: same
          ? 'remove the duplicate'
          : `give ${prefix} to one service: remove it here or from ${owner.service}`,
      });
    });
  }
  return issues;
}
