// The README's main job: `wasmkube up examples/shop` builds the example's services from source when
// they are missing and serves orders (JS component) and payments (WAGI) on one port.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startUp } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

test('the example shop serves orders and payments', { timeout: 600_000 }, async () => {
  const up = await startUp(['examples/shop', '--workers', '1']);
  try {
    const empty = await fetch(`${up.url}/orders`);
    assert.equal(empty.status, 200);
    assert.deepEqual(await empty.json(), { orders: [] });

    const created = await fetch(`${up.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'book', quantity: 2 }),
    });
    assert.equal(created.status, 201);
    const order = (await created.json()) as { id: string; item: string };
    assert.equal(order.item, 'book');
    assert.equal(created.headers.get('location'), `/orders/${order.id}`);
    const fetched = await fetch(`${up.url}/orders/${order.id}`);
    assert.equal(((await fetched.json()) as { id: string }).id, order.id);
    assert.equal((await fetch(`${up.url}/orders/nope`)).status, 404);

    const paid = await fetch(`${up.url}/payments`, { method: 'POST', body: JSON.stringify({ amount: 10 }) });
    assert.equal(paid.status, 201);
    assert.match(((await paid.json()) as { id: string }).id, /^pay_/);

    const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
    assert.ok(metric(samples, 'wasmkube_http_requests_total', { service: 'orders', status: '201' }) === 1);
    assert.ok(metric(samples, 'wasmkube_http_requests_total', { service: 'payments', status: '201' }) === 1);
  } finally {
    assert.equal(await up.stop(), 0);
  }
});
