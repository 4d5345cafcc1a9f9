// The host's Prometheus metrics: one registry per server thread, merged by the supervisor when several
// threads serve the same port, so a scrape sees the whole process.

import client from 'prom-client';

export interface HostMetrics {
  readonly registry: client.Registry;
  readonly requests: client.Counter<'service' | 'route' | 'method' | 'status'>;
  readonly duration: client.Histogram<'service' | 'route'>;
  readonly inFlight: client.Gauge<'service'>;
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
  const requests = new client.Counter({
    name: 'wasmkube_http_requests_total',
    help: 'HTTP requests served, by service, route, method and status code',
    labelNames: ['service', 'route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'wasmkube_http_request_duration_seconds',
    help: 'Time from request to the end of the response, by service and route',
    labelNames: ['service', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inFlight = new client.Gauge({
    name: 'wasmkube_http_requests_in_flight',
    help: 'Requests being served right now, by service',
    labelNames: ['service'] as const,
    registers: [registry],
  });
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
  return { registry, requests, duration, inFlight, guestErrors, instances, memory };
}

/** Merges the JSON snapshots of several registries (one per server thread) into exposition text. */
export async function mergeMetrics(snapshots: client.MetricObjectWithValues<client.MetricValue<string>>[][]) {
  const merged = client.AggregatorRegistry.aggregate(snapshots);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
