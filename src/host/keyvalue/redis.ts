// The Redis key-value backend, for stores every replica shares (Kubernetes): the official `redis`
// client, loaded on first use; keys live under `wasmkube:APP:STORE:`, atomics are server-side scripts.

import type { createClient } from 'redis';
import { type KeyPage, type KvBackend, KvError, PAGE_SIZE } from './backend.ts';

type Client = ReturnType<typeof createClient>;

// Both run inside Redis, so no other client's write can come between the read and the write.
const INCREMENT = `local v = redis.call('GET', KEYS[1])
if v and not string.match(v, '^%-?%d+$') then return redis.error_reply('NOTINT') end
return tostring(redis.call('INCRBY', KEYS[1], ARGV[1]))`;
const CAS = `local v = redis.call('GET', KEYS[1])
if (ARGV[1] == '0' and v == false) or (ARGV[1] == '1' and v == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[3]) return 1 end
return 0`;

/** One client per URL per thread, shared by every store on that server. */
const clients = new Map<string, { client: Promise<Client>; users: number }>();

/** The URL without its password: what errors and logs may show. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'an invalid Redis URL';
  }
}

async function connect(url: string): Promise<Client> {
  const { createClient, RESP_TYPES } = await import('redis');
  let connected = false;
  const client = createClient({
    url,
    // Fail calls at once while the connection is down (the guest gets an error) instead of queueing
    // them; a first connection that fails twice fails the call, and the next call tries again.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries, cause) =>
        connected ? Math.min(retries * 100, 2_000) : retries >= 2 ? cause : 100,
    },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }) as unknown as Client;
  // Errors reach the guest through the failed call; the client reconnects by itself.
  client.on('error', () => {});
  await client.connect();
  connected = true;
  return client;
}

export class RedisBackend implements KvBackend {
  readonly kind = 'redis' as const;
  readonly #url: string;
  readonly #prefix: string;
  #closed = false;

  constructor(url: string, app: string, store: string) {
    this.#url = url;
    this.#prefix = `wasmkube:${app}:${store}:`;
    const known = clients.get(url);
    if (known) known.users++;
    else {
      const client = connect(url);
      client.catch(() => clients.delete(url));
      clients.set(url, { client, users: 1 });
    }
  }

  async #client(): Promise<Client> {
    let entry = clients.get(this.#url);
    if (!entry) {
      // The first connection failed: try again for this call.
      const client = connect(this.#url);
      client.catch(() => clients.delete(this.#url));
      entry = { client, users: 1 };
      clients.set(this.#url, entry);
    }
    try {
      return await entry.client;
    } catch (cause) {
      throw new KvError(`the Redis server at ${redactUrl(this.#url)} is unreachable`, { cause });
    }
  }

  async #run<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = await this.#client();
    try {
      return await fn(c);
    } catch (cause) {
      if (cause instanceof KvError) throw cause;
      const msg = cause instanceof Error ? cause.message : String(cause);
      throw new KvError(
        msg.includes('NOTINT') ? 'increment: the value is not a decimal integer' : `redis: ${msg}`,
        {
          cause,
        },
      );
    }
  }

  #k(key: string): string {
    return this.#prefix + key;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#run(async (c) => ((await c.get(this.#k(key))) as unknown as Buffer | null) ?? undefined);
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return this.#run(async (c) => {
      await c.set(this.#k(key), Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    });
  }

  delete(key: string): Promise<void> {
    return this.#run(async (c) => {
      await c.del(this.#k(key));
    });
  }

  exists(key: string): Promise<boolean> {
    return this.#run(async (c) => (await c.exists(this.#k(key))) > 0);
  }

  listKeys(cursor: string | undefined): Promise<KeyPage> {
    if (cursor !== undefined && !/^[0-9]{1,20}$/.test(cursor))
      return Promise.reject(new KvError('list-keys: not a cursor this store gave'));
    return this.#run(async (c) => {
      // SCAN may return a page with no keys yet a cursor to go on: keep going until some come.
      let at = cursor ?? '0';
      const keys: string[] = [];
      do {
        const r = await c.scan(at, { MATCH: `${this.#prefix}*`, COUNT: PAGE_SIZE });
        at = String(r.cursor);
        for (const k of r.keys) keys.push(String(k).slice(this.#prefix.length));
      } while (keys.length === 0 && at !== '0');
      return at === '0' ? { keys } : { keys, cursor: at };
    });
  }

  increment(key: string, delta: bigint): Promise<bigint> {
    return this.#run(async (c) => {
      const out = await c.eval(INCREMENT, { keys: [this.#k(key)], arguments: [String(delta)] });
      return BigInt(String(out));
    });
  }

  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): Promise<boolean> {
    return this.#run(async (c) => {
      const args = [
        expected === undefined ? '0' : '1',
        Buffer.from(expected ?? []),
        Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      ] as unknown as string[];
      return (await c.eval(CAS, { keys: [this.#k(key)], arguments: args })) === 1;
    });
  }

  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.#run(async (c) => {
      const out = (await c.mGet(keys.map((k) => this.#k(k)))) as unknown as (Buffer | null)[];
      return out.map((v) => v ?? undefined);
    });
  }

  setMany(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.#run(async (c) => {
      await c.mSet(
        entries.map(([k, v]) => [this.#k(k), Buffer.from(v.buffer, v.byteOffset, v.byteLength)]) as never,
      );
    });
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.#run(async (c) => {
      await c.del(keys.map((k) => this.#k(k)));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const entry = clients.get(this.#url);
    if (entry && --entry.users === 0) {
      clients.delete(this.#url);
      const c = await entry.client.catch(() => undefined);
      await c?.close().catch(() => {});
    }
  }
}
