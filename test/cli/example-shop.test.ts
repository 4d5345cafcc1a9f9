// The README's main job: `wasmkube up examples/shop` on a copy of the example. orders (JS component)
// stores orders in key-value state, reserves stock from inventory and charges payments (WAGI modules
// keeping files under /data) by name; one trace id ties the three services' log lines together; the
// state survives a restart; the payment key (a secret variable) never reaches the log.

import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, startUp } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

async function copyExample(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'wasmkube-shop-')), 'shop');
  // Sources only: the copy builds (from the build cache) and starts with empty state.
  await cp(join(ROOT, 'examples/shop'), dir, {
    recursive: true,
    filter: (src) => !/[/\\](dist|\.wasmkube)([/\\]|$)/.test(src.slice(ROOT.length)),
  });
  return dir;
}

interface Order {
  id: string;
  item: string;
  status: string;
  payment: string;
  amountCents: number;
}

test('the example shop: orders chain to inventory and payments, keep state, and share one trace', {
  timeout: 600_000,
}, async () => {
  const dir = await copyExample();
  try {
    let up = await startUp([dir, '--workers', '2']);
    let order: Order;
    try {
      const empty = await fetch(`${up.url}/orders`);
      assert.equal(empty.status, 200);
      assert.deepEqual(await empty.json(), { orders: [] });

      const created = await fetch(`${up.url}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
        },
        body: JSON.stringify({ item: 'book', quantity: 2 }),
      });
      assert.equal(created.status, 201);
      order = (await created.json()) as Order;
      assert.equal(order.item, 'book');
      assert.equal(order.status, 'paid');
      assert.equal(order.amountCents, 2500);
      assert.match(order.payment, /^pay_[0-9a-f]{8}$/);
      assert.equal(created.headers.get('location'), `/orders/${order.id}`);

      // Every thread reads the same store.
      for (let i = 0; i < 4; i++) {
        const fetched = await fetch(`${up.url}/orders/${order.id}`, { headers: { connection: 'close' } });
        assert.equal(((await fetched.json()) as Order).id, order.id);
      }
      assert.equal((await fetch(`${up.url}/orders/ord-000000000000`)).status, 404);
      assert.deepEqual(await (await fetch(`${up.url}/inventory`)).json(), {
        service: 'inventory',
        stock: { book: 8, mug: 25, pen: 100 },
      });
      assert.deepEqual(await (await fetch(`${up.url}/payments`)).json(), {
        service: 'payments',
        charges: 1,
        totalCents: 2500,
      });
      const tooMany = await fetch(`${up.url}/orders`, {
        method: 'POST',
        body: JSON.stringify({ item: 'mug', quantity: 26 }),
      });
      assert.equal(tooMany.status, 409);

      // One trace across the three services, in process.
      const traced = up.logs.filter((l) => l.traceId === TRACE && l.msg === 'request');
      assert.deepEqual([...new Set(traced.map((l) => l.service))].sort(), [
        'inventory',
        'orders',
        'payments',
      ]);

      const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
      assert.equal(
        metric(samples, 'wasmkube_outbound_requests_total', {
          service: 'orders',
          target: 'http://payments',
          status: '201',
        }),
        1,
      );
    } finally {
      assert.equal(await up.stop(), 0);
    }
    const log = JSON.stringify(up.logs) + up.stderr();
    const key = (await readFile(join(dir, '.env'), 'utf8')).match(/payments_api_key=(\S+)/)![1]!;
    assert.ok(!log.includes(key), 'the payment key never reaches the log');

    // A restart keeps orders (key-value on sqlite), stock and ledger (files under /data).
    up = await startUp([dir]);
    try {
      const again = await fetch(`${up.url}/orders/${order.id}`);
      assert.equal(again.status, 200);
      assert.deepEqual(await again.json(), order);
      const stock = (await (await fetch(`${up.url}/inventory`)).json()) as { stock: { book: number } };
      assert.equal(stock.stock.book, 8);
    } finally {
      assert.equal(await up.stop(), 0);
    }
  } finally {
    await rm(join(dir, '..'), { recursive: true, force: true });
  }
});
