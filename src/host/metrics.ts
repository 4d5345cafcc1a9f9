// The host's Prometheus metrics: one registry per server thread, merged by the supervisor when several
// threads serve the same port, so a scrape sees the whole process.

import client from 'prom-client';
import { RouteStats, registerRequestMetrics } from './request-metrics.ts';

export interface HostMetrics {
  readonly registry: client.Registry;
  /** Request count, duration and in-flight numbers of one service route, read at scrape time. */
  routeStats(service: string, route: string): RouteStats;
  readonly guestErrors: client.Counter<'service' | 'kind'>;
  readonly instances: client.Counter<'service'>;
  readonly memory: client.Gauge<'service'>;
}

export function createMetrics(
  memoryOf: () => Iterable<[string, number]>,
  withDefaults: boolean,
): HostMetrics {
  const registry = new client.Registry();
  if (withDefaults) client.collectDefaultMetrics({ register: registry });
  const routes = new Map<string, RouteStats>();
  registerRequestMetrics(registry, () => routes.values());
  const routeStats = (service: string, route: string) => {
    const key = `${service} ${route}`;
    const known = routes.get(key);
    if (known) return known;
    const stats = new RouteStats(service, route);
    routes.set(key, stats);
    return stats;
  };
  const guestErrors = new client.Counter({
    name: 'wasmkube_guest_errors_total',
    help: 'Requests a guest failed, by kind: trap, deadline, memory, body_limit, invalid_response',
    labelNames: ['service', 'kind'] as const,
    registers: [registry],
  });
  const instances = new client.Counter({
    name: 'wasmkube_instances_created_total',
    help: 'Wasm instances created, by service',
    labelNames: ['service'] as const,
    registers: [registry],
  });
  const memory = new client.Gauge({
    name: 'wasmkube_wasm_memory_bytes',
    help: 'Linear memory held by live wasm instances, by service',
    labelNames: ['service'] as const,
    registers: [registry],
    collect() {
      for (const [service, bytes] of memoryOf()) this.set({ service }, bytes);
    },
  });
  return { registry, routeStats, guestErrors, instances, memory };
}

/** Merges the JSON snapshots of several registries (one per server thread) into exposition text. */
export async function mergeMetrics(snapshots: client.MetricObjectWithValues<client.MetricValue<string>>[][]) {
  const merged = client.AggregatorRegistry.aggregate(snapshots);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
