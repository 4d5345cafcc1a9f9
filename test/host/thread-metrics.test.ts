// The supervisor's /metrics over serving threads never waits on a busy one: past the per-thread timeout
// its last snapshot stands in and wasmkube_metrics_thread_late names it. Real registries (createMetrics),
// a thread that does not answer in time stands for one busy in a guest it cannot preempt.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '../../src/host/observability/metrics.ts';
import { threadMetrics } from '../../src/host/supervisor/thread-metrics.ts';
import { metric, parseProm } from '../helpers/prom.ts';

function thread(requests: number) {
  const metrics = createMetrics(() => [], false);
  const stats = metrics.routeStats('hello', '/');
  for (let i = 0; i < requests; i++) stats.done('GET', 200, 0.001);
  let hold: Promise<void> | undefined;
  return {
    stats,
    /** Until the returned function is called, this thread answers late. */
    busy(): () => void {
      let release!: () => void;
      hold = new Promise((r) => {
        release = r;
      });
      return () => {
        hold = undefined;
        release();
      };
    },
    async metricsJson() {
      const snapshot = await (await metrics.registry()).getMetricsAsJSON();
      if (hold) await hold;
      return snapshot;
    },
  };
}

const late = (text: string) =>
  parseProm(text)
    .filter((s) => s.name === 'wasmkube_metrics_thread_late')
    .map((s) => [s.labels.thread, s.value]);

describe('metrics over serving threads', () => {
  it('answers without a late thread, names it, keeps its last counts, and takes its answer once it comes', async () => {
    const a = thread(3);
    const b = thread(4);
    const render = threadMetrics([a, b], 50);
    const total = (text: string) =>
      metric(parseProm(text), 'wasmkube_http_requests_total', { service: 'hello' });

    const first = (await render()).text;
    assert.deepEqual(late(first), [
      ['0', 0],
      ['1', 0],
    ]);
    assert.equal(total(first), 7);

    // Thread 1 is busy: the scrape still answers, with thread 1's last snapshot.
    const release = b.busy();
    a.stats.done('GET', 200, 0.001);
    b.stats.done('GET', 200, 0.001);
    const second = (await render()).text;
    assert.deepEqual(late(second), [
      ['0', 0],
      ['1', 1],
    ]);
    assert.equal(total(second), 8, "thread 0's new count, thread 1's last one");

    release();
    await new Promise((r) => setTimeout(r, 10));
    const third = (await render()).text;
    assert.deepEqual(late(third), [
      ['0', 0],
      ['1', 0],
    ]);
    assert.equal(total(third), 9);
  });

  it('a thread late at its first scrape is named and simply missing', async () => {
    const a = thread(2);
    const b = thread(5);
    b.busy();
    const text = (await threadMetrics([a, b], 30)()).text;
    assert.deepEqual(late(text), [
      ['0', 0],
      ['1', 1],
    ]);
    assert.equal(metric(parseProm(text), 'wasmkube_http_requests_total', { service: 'hello' }), 2);
  });
});
