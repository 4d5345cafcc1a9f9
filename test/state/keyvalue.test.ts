// wasi:keyvalue over real sockets with the componentize-js guest: every operation on both backends
// (sqlite and a real redis-server), atomics correct with two worker threads racing, access-denied for
// a store the service did not name, and sqlite state surviving a host restart.

import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { type RedisServer, startRedis } from '../helpers/redis-server.ts';

const app = (js: string, stores = '') => `apiVersion: wasmkube.dev/v1alpha1
name: kv
host: { workers: 2 }
${stores}services:
  a:
    source: ${js}
    routes: ["/..."]
    keyValue: [default, cache]
`;

async function get(up: UpProcess, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${up.url}${path}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The same checks on whichever backend the app's stores use. */
function keyValueSuite(start: () => Promise<UpProcess>) {
  let up: UpProcess;
  before(async () => {
    up = await start();
  });
  after(async () => {
    await up?.stop();
  });

  test('set, get, exists, delete, list-keys and batch', async () => {
    assert.deepEqual(await get(up, '/set/default/greeting?value=hello'), { ok: true });
    assert.deepEqual(await get(up, '/get/default/greeting'), { value: 'hello' });
    assert.deepEqual(await get(up, '/get/cache/greeting'), { value: null }, 'stores are separate');
    assert.deepEqual(await get(up, '/exists/default/greeting'), { exists: true });
    assert.deepEqual(await get(up, '/set/default/other?value=x'), { ok: true });
    assert.deepEqual(await get(up, '/keys/default'), { keys: ['greeting', 'other'] });
    assert.deepEqual(await get(up, '/delete/default/other'), { ok: true });
    assert.deepEqual(await get(up, '/exists/default/other'), { exists: false });
    assert.deepEqual(await get(up, '/batch/cache/b'), {
      got: [['b1', 'one'], ['b2', 'two'], null],
      after: null,
    });
  });

  test('opening a store the service did not name is access-denied', async () => {
    assert.deepEqual(await get(up, '/get/secret-store/k'), { error: 'access-denied', detail: null });
  });

  test('increment and compare-and-swap stay correct with two workers racing', async () => {
    const n = 60;
    await Promise.all(
      Array.from({ length: n }, () => fetch(`${up.url}/incr/default/hits`).then((r) => r.json())),
    );
    assert.deepEqual(await get(up, '/incr/default/hits?by=0'), { value: String(n) });
    assert.deepEqual(await get(up, '/incr/default/hits?by=5'), { value: String(n + 5) });
    const m = 30;
    const tries = await Promise.all(
      Array.from({ length: m }, () => get(up, '/cas/default/log?value=x').then((r) => r.tries as number)),
    );
    assert.ok(
      tries.every((t) => t >= 1),
      `every CAS loop finished: ${tries}`,
    );
    assert.deepEqual(await get(up, '/get/default/log'), { value: 'x'.repeat(m) });
    const workers = new Set(up.logs.filter((l) => l.msg === 'request').map((l) => l.thread));
    assert.equal(workers.size, 2, 'both worker threads served requests');
  });

  test('increment on a value that is not a number is an error the guest sees', async () => {
    await get(up, '/set/default/word?value=abc');
    const r = await get(up, '/incr/default/word');
    assert.equal(r.error, 'other');
    assert.match(String(r.detail), /not a decimal integer/);
    const logged = await up.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('key-value:'));
    assert.equal(logged.store, 'default');
    assert.equal(typeof logged.reqId, 'string', 'the failure is logged with the request id');
  });
  return () => up;
}

describe('key-value on sqlite (the default)', () => {
  let dir: string;
  let js: string;
  const current = keyValueSuite(async () => {
    js = await guestPath('js-state');
    dir = await appDir(app(js));
    return startUp([dir]);
  });

  test('the state lives under .wasmkube/state and survives a host restart', async () => {
    await get(current(), '/set/default/order-1?value=paid');
    assert.equal(await current().stop(), 0);
    assert.ok((await readdir(join(dir, '.wasmkube', 'state'))).includes('kv.kv.sqlite'));
    const again = await startUp([dir]);
    try {
      assert.deepEqual(await get(again, '/get/default/order-1'), { value: 'paid' });
      assert.deepEqual(await get(again, '/get/default/greeting'), { value: 'hello' });
    } finally {
      await again.stop();
    }
  });
});

describe('key-value on redis (a real redis-server)', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis({ password: 'pw-kv-test' });
  });
  after(async () => {
    await redis?.stop();
  });
  const current = keyValueSuite(async () => {
    const js = await guestPath('js-state');
    // `default` from the manifest, `cache` from the environment (how a pod gets it from a Secret).
    const dir = await appDir(app(js, `keyValue:\n  default: { backend: redis, url: "${redis.url}" }\n`));
    return startUp([dir], { env: { WASMKUBE_KEYVALUE_CACHE_URL: redis.url } });
  });

  test('the keys are in Redis, under the app and store', async () => {
    const { createClient } = await import('redis');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      assert.equal(await client.get('wasmkube:kv:default:greeting'), 'hello');
      assert.equal(await client.get('wasmkube:kv:cache:b2'), 'two');
    } finally {
      await client.close();
    }
    assert.ok(!JSON.stringify(current().logs).includes('pw-kv-test'), 'the Redis password is never logged');
  });
});
