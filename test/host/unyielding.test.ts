// The one place a guest cannot yield is inside its allocator while the host copies a host call's result
// into it (JSPI cannot suspend through the host's frame below). A guest looping there is stopped after
// the no-yield limit, long before its deadline, and with worker threads /metrics keeps answering.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

test('a guest looping in its allocator is stopped at the no-yield limit, not its 60 s deadline', async () => {
  const spin = await guestPath('spin-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: unyielding
host: { workers: 2 }
services:
  spin: { source: ${spin}, routes: ["/..."], limits: { timeout: 60s } }
`);
  const up = await startUp([dir]);
  try {
    // A path over 1024 bytes: the guest's allocator loops while the host copies the path into it.
    const stuck = Array.from({ length: 4 }, () =>
      fetch(`${up.url}/${'a'.repeat(2000)}`).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { error: { code: string; message: string } },
      })),
    );
    const scrape = await fetch(`${up.url}/metrics`);
    assert.equal(scrape.status, 200);
    await scrape.text();
    for (const r of await Promise.all(stuck)) {
      assert.equal(r.status, 504);
      assert.equal(r.body.error.code, 'GUEST_DEADLINE');
      assert.match(r.body.error.message, /without yielding its thread/);
    }
    const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
    assert.equal(metric(samples, 'wasmkube_guest_errors_total', { service: 'spin', kind: 'deadline' }), 4);
    // Every thread answered the scrape in time.
    assert.equal(metric(samples, 'wasmkube_metrics_thread_late'), 0);
    const ok = await fetch(`${up.url}/ok`);
    assert.equal(await ok.text(), 'hello from wasm\n');
  } finally {
    await up.stop();
  }
});
