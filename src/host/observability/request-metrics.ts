// Per-request metrics without per-request cost: each route keeps plain counters and histogram buckets,
// and prom-client reads them only when /metrics is scraped (the registry sees ordinary metrics).

import type client from 'prom-client';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One service route's numbers; the host core holds one per (service, route prefix). */
export class RouteStats {
  readonly service: string;
  readonly route: string;
  inFlight = 0;
  /** `METHOD STATUS` → requests. */
  readonly counts = new Map<string, number>();
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(service: string, route: string) {
    this.service = service;
    this.route = route;
  }

  #lastMethod = '';
  #lastStatus = 0;
  #lastKey = '';

  /** A request answered without running the guest (busy, refused): counted, not timed. */
  counted(method: string, status: number): void {
    // Most requests repeat the last method and status: no key string is built for them.
    if (method !== this.#lastMethod || status !== this.#lastStatus) {
      this.#lastMethod = method;
      this.#lastStatus = status;
      this.#lastKey = `${method} ${status}`;
    }
    const key = this.#lastKey;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  done(method: string, status: number, seconds: number): void {
    this.counted(method, status);
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

type Value = client.MetricValue<string> & { metricName?: string };

/** What a prom-client registry reads of a metric: its description and `get()`. */
interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }>;
}

/** A counter by label values, kept as plain numbers; prom-client reads it at scrape time. */
export class LabeledCounter {
  readonly #name: string;
  readonly #help: string;
  readonly #labels: readonly string[];
  readonly #values = new Map<string, number>();

  constructor(name: string, help: string, labels: readonly string[]) {
    this.#name = name;
    this.#help = help;
    this.#labels = labels;
  }

  inc(...values: string[]): void {
    this.add(1, ...values);
  }

  add(by: number, ...values: string[]): void {
    const key = values.join('\u0000');
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  register(registry: client.Registry): void {
    const name = this.#name;
    const help = this.#help;
    const metric = {
      name,
      help,
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name,
        help,
        type: 'counter',
        aggregator: 'sum',
        values: [...this.#values].map(([key, value]) => {
          const parts = key.split('\u0000');
          return { value, labels: Object.fromEntries(this.#labels.map((l, i) => [l, parts[i] ?? ''])) };
        }),
      }),
    };
    registry.registerMetric(metric as unknown as client.Metric);
  }
}

/** Registers the three request metrics, read from `routes()` at scrape time. */
export function registerRequestMetrics(registry: client.Registry, routes: () => Iterable<RouteStats>): void {
  const metric = (
    name: string,
    help: string,
    type: 'counter' | 'gauge' | 'histogram',
    values: () => Value[],
  ): RegistryMetric => {
    const aggregator = 'sum';
    return {
      name,
      help,
      type,
      aggregator,
      get: async () => ({ name, help, type, aggregator, values: values() }),
    };
  };
  const register = (m: RegistryMetric) => registry.registerMetric(m as unknown as client.Metric);
  register(
    metric(
      'wasmkube_http_requests_total',
      'HTTP requests served, by service, route, method and status code',
      'counter',
      () => {
        const out: Value[] = [];
        for (const r of routes()) {
          for (const [key, value] of r.counts) {
            const [method, status] = key.split(' ');
            out.push({
              value,
              labels: { service: r.service, route: r.route, method: method!, status: status! },
            });
          }
        }
        return out;
      },
    ),
  );
  register(
    metric(
      'wasmkube_http_request_duration_seconds',
      'Time from request to the end of the response, by service and route',
      'histogram',
      () => {
        const out: Value[] = [];
        const name = 'wasmkube_http_request_duration_seconds';
        for (const r of routes()) {
          if (r.count === 0) continue;
          const labels = { service: r.service, route: r.route };
          let acc = 0;
          for (let i = 0; i <= BUCKETS.length; i++) {
            acc += r.buckets[i]!;
            out.push({
              value: acc,
              labels: { ...labels, le: i < BUCKETS.length ? BUCKETS[i]! : '+Inf' },
              metricName: `${name}_bucket`,
            });
          }
          out.push({ value: r.sum, labels, metricName: `${name}_sum` });
          out.push({ value: r.count, labels, metricName: `${name}_count` });
        }
        return out;
      },
    ),
  );
  register(
    metric('wasmkube_http_requests_in_flight', 'Requests being served right now, by service', 'gauge', () => {
      const byService = new Map<string, number>();
      for (const r of routes()) byService.set(r.service, (byService.get(r.service) ?? 0) + r.inFlight);
      return [...byService].map(([service, value]) => ({ value, labels: { service } }));
    }),
  );
}
