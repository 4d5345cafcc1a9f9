// The host's Prometheus metrics: counted in plain numbers on the hot path, turned into a prom-client
// registry a second after start or at the first scrape (so a start does not wait for it), one per thread,
// merged by the supervisor when several threads serve the same port.

import type client from 'prom-client';
import { OutboundStats } from '../outbound/metrics.ts';
import { LabeledCounter, RouteStats, registerRequestMetrics } from './request-metrics.ts';

export interface HostMetrics {
  /** Request count, duration and in-flight numbers of one service route, read at scrape time. */
  routeStats(service: string, route: string): RouteStats;
  guestError(service: string, kind: string): void;
  instanceCreated(service: string): void;
  /** Guest stdout/stderr lines dropped past the per-request log budget (log-budget.ts). */
  guestLogDropped(service: string, lines: number): void;
  /** Outbound calls made by guests (outbound/metrics.ts). */
  readonly outbound: OutboundStats;
  /** This thread's registry, made on first use. */
  registry(): Promise<client.Registry>;
  /** Makes the registry soon, in the background, so a first scrape finds it sampling. */
  prime(afterMs?: number): void;
}

export function createMetrics(
  memoryOf: () => Iterable<[string, number]>,
  withDefaults: boolean,
  pendingOf: () => Iterable<[string, number]> = () => [],
): HostMetrics {
  const routes = new Map<string, RouteStats>();
  const guestErrors = new LabeledCounter(
    'wasmkube_guest_errors_total',
    'Requests a guest failed, by kind: trap, deadline, memory, body_limit, invalid_response',
    ['service', 'kind'],
  );
  const instances = new LabeledCounter(
    'wasmkube_instances_created_total',
    'Wasm instances created, by service',
    ['service'],
  );
  const logDropped = new LabeledCounter(
    'wasmkube_guest_log_dropped_total',
    "Guest stdout/stderr lines dropped past a request's log budget, by service",
    ['service'],
  );
  const outbound = new OutboundStats();
  let registry: Promise<client.Registry> | undefined;
  const build = async () => {
    const { default: prom } = await import('prom-client');
    const r = new prom.Registry();
    if (withDefaults) {
      prom.collectDefaultMetrics({ register: r });
      // The event-loop delay histogram samples every 10 ms: until its first sample its mean and
      // stddev are NaN and its min a sentinel. A scrape is complete from the first one.
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    registerRequestMetrics(r, () => routes.values());
    guestErrors.register(r);
    instances.register(r);
    logDropped.register(r);
    new prom.Gauge({
      name: 'wasmkube_response_pending_bytes',
      help: 'Bytes of finished responses not yet handed to slow clients, by service',
      labelNames: ['service'] as const,
      registers: [r],
      collect() {
        for (const [service, bytes] of pendingOf()) this.set({ service }, bytes);
      },
    });
    outbound.register(r);
    new prom.Gauge({
      name: 'wasmkube_wasm_memory_bytes',
      help: 'Linear memory held by live wasm instances, by service',
      labelNames: ['service'] as const,
      registers: [r],
      collect() {
        for (const [service, bytes] of memoryOf()) this.set({ service }, bytes);
      },
    });
    return r;
  };
  return {
    routeStats(service, route) {
      const key = `${service} ${route}`;
      const known = routes.get(key);
      if (known) return known;
      const stats = new RouteStats(service, route);
      routes.set(key, stats);
      return stats;
    },
    guestError: (service, kind) => guestErrors.inc(service, kind),
    instanceCreated: (service) => instances.inc(service),
    guestLogDropped: (service, lines) => logDropped.add(lines, service),
    outbound,
    registry() {
      registry ??= build();
      return registry;
    },
    prime(afterMs = 1000) {
      // Not at start: loading prom-client would delay the first response of a cold start.
      setTimeout(() => void this.registry(), afterMs).unref();
    },
  };
}

/** Merges the JSON snapshots of several registries (one per server thread) into exposition text. */
export async function mergeMetrics(snapshots: client.MetricObjectWithValues<client.MetricValue<string>>[][]) {
  const { default: prom } = await import('prom-client');
  const merged = prom.AggregatorRegistry.aggregate(snapshots);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
