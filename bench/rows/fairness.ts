// The fairness row: the p99 of a hello service while another service's guests loop to their deadline
// on the same thread, as a ratio to its p99 alone in the same run (issue 10, preemption). One `up`
// with 1 worker serves both; each round measures alone, then with the loopers, one after the other.

import http from 'node:http';
import { DURATION_S, ROUNDS, WARMUP_S } from '../lib/config.ts';
import { upDir, writeApp } from '../lib/host.ts';
import { load } from '../lib/load.ts';
import { log, median, oneLine, probe, type Server, startServer } from '../lib/proc.ts';
import { measured, type Row, type RowSpec, unmeasured } from '../lib/schema.ts';

/** Concurrent clients, each sending looping requests back to back. */
const LOOPERS = 16;
/** Connections of the load on the hello service. */
const HELLO_CONNECTIONS = 8;

const SPEC: RowSpec = {
  id: 'fairness-hello-p99-with-loopers',
  what: `hello p99 while ${LOOPERS} guests of another service loop to their 1 s deadline (1 worker)`,
  target: '≤ 5× its p99 alone, same run',
  check: { op: '<=', threshold: 5, of: 'baseline' },
  unit: 'ms',
  baselineWhat: 'the same hello service alone, same run',
  baselineLabel: 'hello alone',
};

/** Keeps `LOOPERS` requests to `url` in flight until stopped; resolves with how many completed. */
function loopers(url: string): { stop(): Promise<{ done: number; deadline: number }> } {
  let running = true;
  let done = 0;
  let deadline = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: LOOPERS });
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            done++;
            if (res.statusCode === 504) deadline++;
            resolve();
          });
        })
        .on('error', () => resolve());
    });
  const clients = Array.from({ length: LOOPERS }, async () => {
    while (running) await one();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return { done, deadline };
    },
  };
}

export async function fairnessRows(tiny: string, spin: string): Promise<Row[]> {
  const dir = await writeApp('fairness', [
    { name: 'hello', source: tiny, routes: ['/hello'] },
    { name: 'spin', source: spin, routes: ['/spin/...'], timeout: '1s' },
  ]);
  let server: Server;
  try {
    server = await startServer({ args: upDir(dir, 1) });
  } catch (err) {
    return [unmeasured(SPEC, 'failed', `did not start: ${String(err)}`)];
  }
  try {
    const hello = `${server.url}/hello`;
    await probe(hello);
    const opts = { url: hello, connections: HELLO_CONNECTIONS };
    await load({ ...opts, durationS: WARMUP_S });
    const alone: number[] = [];
    const loaded: number[] = [];
    const ratios: number[] = [];
    let errors = 0;
    let loops = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const a = await load({ ...opts, durationS: DURATION_S });
      const mix = loopers(`${server.url}/spin/forever`);
      // Let every looper reach its guest before measuring.
      await new Promise((r) => setTimeout(r, 500));
      const b = await load({ ...opts, durationS: DURATION_S });
      const { done, deadline } = await mix.stop();
      // A starved service answers nothing: no percentile to compare, and the row fails.
      if (a.requests === 0 || b.requests === 0) {
        return [
          unmeasured(
            SPEC,
            'failed',
            `no hello responses ${a.requests === 0 ? 'alone' : 'while the loopers ran'}`,
          ),
        ];
      }
      errors += a.errors + b.errors;
      loops += deadline;
      if (done !== deadline) errors += done - deadline;
      alone.push(a.p99);
      loaded.push(b.p99);
      ratios.push(b.p99 / a.p99);
      log(
        `  fairness round ${round}: hello p99 ${a.p99} ms alone, ${b.p99} ms with loopers (${deadline} loops stopped at their deadline)`,
      );
    }
    if (errors > 0) return [unmeasured(SPEC, 'failed', `${errors} unexpected responses or errors`)];
    return [
      measured(
        SPEC,
        median(loaded),
        median(alone),
        { rounds: ROUNDS, roundRatios: ratios.map((x) => x.toFixed(3)).join(' '), loopsStopped: loops },
        median(ratios),
      ),
    ];
  } catch (err) {
    const tail = oneLine(server.output(), 300);
    return [unmeasured(SPEC, 'failed', `${String(err)}${tail ? ` (server said: ${tail})` : ''}`)];
  } finally {
    await server.stop();
  }
}
