// The supervisor's /metrics over several serving threads: their snapshots merged, without waiting on a
// busy thread. Past a per-thread timeout its last snapshot stands in, and a gauge names it.

import { mergeMetrics } from '../observability/metrics.ts';

/** How long /metrics waits for each serving thread's snapshot. */
export const METRICS_THREAD_TIMEOUT_MS = 1000;

export interface MetricsSource {
  /** prom-client's `getMetricsAsJSON()` of one thread's registry. */
  metricsJson(): Promise<unknown>;
}

const LATE = Symbol('late');

/**
 * Renders the merged metrics of `threads` (read at each scrape: a restarted thread replaces its entry;
 * thread N is `threads[N]`). A late thread's previous snapshot is used, so its counters never seem to go
 * back, and its answer, when it comes, is kept for the next scrape.
 */
export function threadMetrics(
  threads: readonly MetricsSource[],
  timeoutMs: number = METRICS_THREAD_TIMEOUT_MS,
): () => Promise<{ contentType: string; text: string }> {
  const last: unknown[] = [];
  return async () => {
    const late: number[] = [];
    const snapshots = await Promise.all(
      threads.map((t, i) => {
        const fresh = t.metricsJson().then((v) => {
          last[i] = v;
          return v;
        });
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<typeof LATE>((r) => {
          timer = setTimeout(() => r(LATE), timeoutMs).unref();
        });
        return Promise.race([fresh, timeout]).then((v) => {
          clearTimeout(timer);
          if (v !== LATE) return v;
          late.push(i);
          return last[i] ?? [];
        });
      }),
    );
    return mergeMetrics([...snapshots, [lateGauge(threads.length, late, timeoutMs)]] as never);
  };
}

function lateGauge(threads: number, late: readonly number[], timeoutMs: number) {
  return {
    name: 'wasmkube_metrics_thread_late',
    help: `1 for a serving thread that did not send its metrics within ${timeoutMs} ms (its last snapshot is shown)`,
    type: 'gauge',
    aggregator: 'sum',
    values: Array.from({ length: threads }, (_, i) => ({
      value: late.includes(i) ? 1 : 0,
      labels: { thread: String(i) },
    })),
  };
}
