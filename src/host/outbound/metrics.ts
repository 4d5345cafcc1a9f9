// Outbound call metrics, kept as plain numbers and read by prom-client at scrape time:
// wasmkube_outbound_requests_total{service,target,status} and a latency histogram by service and target.

import type client from 'prom-client';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Distinct targets per service before the rest count as `other` (a `*://*:*` guest names any host). */
const MAX_TARGETS = 100;

interface Timing {
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

type Value = client.MetricValue<string> & { metricName?: string };

export class OutboundStats {
  /** `service \0 target \0 status` → calls. */
  readonly #counts = new Map<string, number>();
  readonly #timings = new Map<string, Timing>();
  readonly #targets = new Map<string, Set<string>>();

  #target(service: string, target: string): string {
    let seen = this.#targets.get(service);
    if (!seen) {
      seen = new Set();
      this.#targets.set(service, seen);
    }
    if (seen.has(target)) return target;
    if (seen.size >= MAX_TARGETS) return 'other';
    seen.add(target);
    return target;
  }

  /** One call: `status` is the HTTP status or the error code's tag; `seconds` to the response head. */
  record(service: string, target: string, status: string, seconds: number | undefined): void {
    const t = this.#target(service, target);
    const key = `${service}\u0000${t}\u0000${status}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    if (seconds === undefined) return;
    const tk = `${service}\u0000${t}`;
    let timing = this.#timings.get(tk);
    if (!timing) {
      timing = { buckets: new Float64Array(BUCKETS.length + 1), sum: 0, count: 0 };
      this.#timings.set(tk, timing);
    }
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
    timing.buckets[i]!++;
    timing.sum += seconds;
    timing.count++;
  }

  register(registry: client.Registry): void {
    const metric = (name: string, help: string, type: string, values: () => Value[]) =>
      registry.registerMetric({
        name,
        help,
        type,
        aggregator: 'sum',
        get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      } as unknown as client.Metric);
    metric(
      'wasmkube_outbound_requests_total',
      'Outbound HTTP calls made by guests, by service, target origin and status (HTTP status or wasi:http error code)',
      'counter',
      () =>
        [...this.#counts].map(([key, value]) => {
          const [service, target, status] = key.split('\u0000');
          return { value, labels: { service: service!, target: target!, status: status! } };
        }),
    );
    const name = 'wasmkube_outbound_request_duration_seconds';
    metric(
      name,
      'Time from an outbound call to its response head, by service and target',
      'histogram',
      () => {
        const out: Value[] = [];
        for (const [key, t] of this.#timings) {
          const [service, target] = key.split('\u0000');
          const labels = { service: service!, target: target! };
          let acc = 0;
          for (let i = 0; i <= BUCKETS.length; i++) {
            acc += t.buckets[i]!;
            out.push({
              value: acc,
              labels: { ...labels, le: i < BUCKETS.length ? BUCKETS[i]! : '+Inf' },
              metricName: `${name}_bucket`,
            });
          }
          out.push({ value: t.sum, labels, metricName: `${name}_sum` });
          out.push({ value: t.count, labels, metricName: `${name}_count` });
        }
        return out;
      },
    );
  }
}
