// The key-value backends' shared contract (sqlite, and redis against a real redis-server): every
// operation, list-keys paging, increment and compare-and-swap racing over two connections.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type KvBackend, KvError, PAGE_SIZE } from '../../src/host/keyvalue/backend.ts';
import { RedisBackend } from '../../src/host/keyvalue/redis.ts';
import { SqliteBackend } from '../../src/host/keyvalue/sqlite.ts';
import { type RedisServer, startRedis } from '../helpers/redis-server.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

let redis: RedisServer;
let dir: string;
before(async () => {
  redis = await startRedis({ password: 'pw-not-shown' });
  dir = await mkdtemp(join(tmpdir(), 'wasmkube-kv-'));
});
const opened: KvBackend[] = [];
const track = (pair: [KvBackend, KvBackend]): [KvBackend, KvBackend] => {
  opened.push(...pair);
  return pair;
};
after(async () => {
  // Clients first: a client whose server went away would reconnect forever.
  await Promise.all(opened.map((b) => b.close()));
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Kind {
  readonly name: string;
  /** Two handles on the same store over separate connections. */
  open(store: string): [KvBackend, KvBackend];
}

const kinds: Kind[] = [
  {
    name: 'sqlite',
    open: (store) =>
      track([
        new SqliteBackend(join(dir, 'a.sqlite'), store),
        new SqliteBackend(join(dir, 'a.sqlite'), store),
      ]),
  },
  {
    name: 'redis',
    // Two URLs of the same server: two clients, two connections.
    open: (store) =>
      track([new RedisBackend(redis.url, 'app', store), new RedisBackend(`${redis.url}/0`, 'app', store)]),
  },
];

for (const kind of kinds) {
  describe(`key-value backend: ${kind.name}`, () => {
    test('get, set, delete, exists; stores are separate', async () => {
      const [a] = kind.open('one');
      const [other] = kind.open('two');
      assert.equal(await a.get('k'), undefined);
      await a.set('k', enc('v1'));
      assert.equal(dec(await a.get('k')), 'v1');
      assert.equal(await other.get('k'), undefined, 'another store does not see the key');
      assert.equal(await a.exists('k'), true);
      await a.set('k', new Uint8Array([0, 255, 0]));
      assert.deepEqual([...(await a.get('k'))!], [0, 255, 0], 'binary values round-trip');
      await a.delete('k');
      assert.equal(await a.exists('k'), false);
      await a.delete('never-there');
    });

    test('list-keys pages through every key exactly once', async () => {
      const [a] = kind.open('paged');
      const n = PAGE_SIZE + 234;
      await a.setMany(Array.from({ length: n }, (_, i) => [`key-${i}`, enc(String(i))] as const));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await a.listKeys(cursor);
        seen.push(...page.keys);
        cursor = page.cursor;
        pages++;
        assert.ok(pages < 1000, 'list-keys terminates');
      } while (cursor !== undefined);
      assert.equal(new Set(seen).size, n);
      assert.equal(seen.length, n);
      await assert.rejects(
        Promise.resolve().then(() => a.listKeys('not-a-cursor')),
        KvError,
      );
    });

    test('batch: get-many keeps order and gaps, set-many and delete-many', async () => {
      const [a] = kind.open('batch');
      await a.setMany([
        ['x', enc('1')],
        ['y', enc('2')],
      ]);
      assert.deepEqual((await a.getMany(['y', 'nope', 'x'])).map(dec), ['2', undefined, '1']);
      await a.deleteMany(['x', 'y']);
      assert.deepEqual((await a.getMany(['x', 'y'])).map(dec), [undefined, undefined]);
    });

    test('increment: from absent, negative deltas, refuses a non-number and overflow', async () => {
      const [a] = kind.open('counters');
      assert.equal(await a.increment('c', 5n), 5n);
      assert.equal(await a.increment('c', -7n), -2n);
      assert.equal(dec(await a.get('c')), '-2');
      await a.set('text', enc('hello'));
      await assert.rejects(
        Promise.resolve().then(() => a.increment('text', 1n)),
        KvError,
      );
      await a.set('big', enc(String(2n ** 63n - 1n)));
      await assert.rejects(
        Promise.resolve().then(() => a.increment('big', 1n)),
        KvError,
      );
    });

    test('increment is atomic under concurrency over two connections', async () => {
      const [a, b] = kind.open('race');
      const n = 200;
      await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : b).increment('hits', 1n)));
      assert.equal(dec(await a.get('hits')), String(n));
    });

    test('compare-and-swap: only one of two racing swaps from the same value wins', async () => {
      const [a, b] = kind.open('cas');
      await a.set('v', enc('start'));
      const seen = await a.get('v');
      const results = await Promise.all([
        a.compareAndSwap('v', seen, enc('from-a')),
        b.compareAndSwap('v', seen, enc('from-b')),
      ]);
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await a.compareAndSwap('absent', undefined, enc('new')), true, 'absent matches undefined');
      assert.equal(await a.compareAndSwap('absent', undefined, enc('again')), false);
      // A CAS loop from many writers loses no update.
      const append = async (h: KvBackend, c: string) => {
        for (;;) {
          const cur = await h.get('log');
          if (await h.compareAndSwap('log', cur, enc((dec(cur) ?? '') + c))) return;
        }
      };
      await Promise.all(Array.from({ length: 40 }, (_, i) => append(i % 2 ? a : b, 'x')));
      assert.equal(dec(await a.get('log')), 'x'.repeat(40));
    });
  });
}

test('redis: an unreachable server fails the call with a message that hides the password', async () => {
  const b = new RedisBackend('redis://:hunter2@127.0.0.1:1', 'app', 'down');
  const err = await Promise.resolve()
    .then(() => b.get('k'))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(err instanceof KvError, String(err));
  assert.match(err.message, /unreachable/);
  assert.doesNotMatch(err.message, /hunter2/);
  await b.close();
});
