// /metrics from the supervisor never waits for a busy serving thread: past a per-thread timeout it
// answers with what it has and names the late thread. The one way left for a guest to hold its
// thread: looping in its allocator while the host copies a host call's result into it (a JS frame is
// below it there, so JSPI cannot suspend it); its deadline still stops it.

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp } from '../helpers/host.ts';
import { parseProm, type Sample } from '../helpers/prom.ts';

/** GET on a connection of its own (the kernel picks the serving thread per connection). */
function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('a thread held by a guest is named late in /metrics, which answers before the guest is stopped', async () => {
  const spin = await guestPath('spin-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: late
host: { workers: 2 }
services:
  spin: { source: ${spin}, routes: ["/..."], limits: { timeout: 8s } }
`);
  const up = await startUp([dir]);
  try {
    // Both threads answer at first: none is late.
    const first = parseProm((await getOnNewConnection(`${up.url}/metrics`)).body);
    assert.deepEqual(lateThreads(first), []);
    const order: string[] = [];
    // A path over 1024 bytes: the guest's allocator loops while the host copies the path into it.
    const stuck = getOnNewConnection(`${up.url}/${'a'.repeat(2000)}`).then((r) => {
      order.push('stuck');
      return r;
    });
    await sleep(300);
    // Some of these connections land on the held thread (and wait); the first answer comes from the other.
    const scrapes = Array.from({ length: 16 }, () => getOnNewConnection(`${up.url}/metrics`));
    const answered = await Promise.any(scrapes);
    order.push('metrics');
    assert.equal(answered.status, 200);
    const late = lateThreads(parseProm(answered.body));
    assert.equal(late.length, 1, `one late thread: ${JSON.stringify(late)}`);
    // Every thread is listed, the late one with its last snapshot standing in.
    const listed = parseProm(answered.body).filter((s) => s.name === 'wasmkube_metrics_thread_late');
    assert.deepEqual(listed.map((s) => s.labels.thread).sort(), ['0', '1']);
    const res = await stuck;
    assert.deepEqual(order, ['metrics', 'stuck']);
    assert.equal(res.status, 504, res.body);
    assert.match(res.body, /GUEST_DEADLINE/);
    await Promise.all(scrapes);
  } finally {
    await up.stop();
  }
});

function lateThreads(samples: readonly Sample[]): string[] {
  return samples
    .filter((s) => s.name === 'wasmkube_metrics_thread_late' && s.value === 1)
    .map((s) => s.labels.thread!);
}
