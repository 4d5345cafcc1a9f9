// wasi:keyvalue (store, atomics, batch) for components, over the service's stores (keyvalue/stores.ts):
// 0.2.0-draft (wasmCloud, u64 cursors and counters) and 0.2.0-draft2 (Spin, string cursors, CAS). jco
// keys both by the unversioned name; the component's own import names say which shapes it expects.

import {
  type KvBackend,
  KvError,
  MAX_BATCH,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
} from '../../keyvalue/backend.ts';
import type { ServiceKeyValue } from '../../keyvalue/stores.ts';
import type { ScopeRef } from './io.ts';

type KvErrorVariant = { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string };
type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };

/** Calls JSPI may suspend on: a Redis store answers with a promise. */
export const KEYVALUE_ASYNC_IMPORTS = [
  'wasi:keyvalue/store#[method]bucket.get',
  'wasi:keyvalue/store#[method]bucket.set',
  'wasi:keyvalue/store#[method]bucket.delete',
  'wasi:keyvalue/store#[method]bucket.exists',
  'wasi:keyvalue/store#[method]bucket.list-keys',
  'wasi:keyvalue/atomics#increment',
  'wasi:keyvalue/atomics#swap',
  'wasi:keyvalue/atomics#[static]cas.new',
  'wasi:keyvalue/batch#get-many',
  'wasi:keyvalue/batch#set-many',
  'wasi:keyvalue/batch#delete-many',
];

const ACCESS_DENIED: Result<never, KvErrorVariant> = { tag: 'err', val: { tag: 'access-denied' } };
const OK_VOID = { tag: 'ok', val: undefined } as const;

function other(message: string): Result<never, KvErrorVariant> {
  return { tag: 'err', val: { tag: 'other', val: message } };
}

function failedWith(err: unknown): string {
  if (err instanceof KvError) return err.message;
  // A host failure the guest cannot act on: no detail (it could name a file or a server).
  return 'the store failed';
}

function checkKey(key: string): void {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new KvError(`a key is larger than ${MAX_KEY_BYTES} bytes`);
}
function checkValue(value: Uint8Array): void {
  if (value.byteLength > MAX_VALUE_BYTES)
    throw new KvError(`a value is larger than ${MAX_VALUE_BYTES} bytes`);
}
function checkBatch(n: number): void {
  if (n > MAX_BATCH) throw new KvError(`a batch of more than ${MAX_BATCH} keys`);
}

export interface KeyValueImportOptions {
  readonly store: ServiceKeyValue | undefined;
  /** The component's versioned import names (`wasi:keyvalue/store@0.2.0-draft`), when known. */
  readonly imports?: readonly string[];
  /** The request the instance serves now: a wait on the store ends with it; failures log its id. */
  readonly ref: ScopeRef & { readonly requestId: string | undefined };
}

/** Whether the guest speaks 0.2.0-draft (u64 cursor and counters) rather than 0.2.0-draft2. */
function speaksDraft1(imports: readonly string[] | undefined): boolean {
  return (imports ?? []).some((n) => /^wasi:keyvalue\/[a-z-]+@0\.2\.0-draft$/.test(n));
}

export function keyValueImports(opts: KeyValueImportOptions) {
  const draft1 = speaksDraft1(opts.imports);
  const ref = opts.ref;
  /** What the guest gets for a failed call; the host logs it too (a guest may not say why it failed). */
  const failed = (store: string, err: unknown): Result<never, KvErrorVariant> => {
    const message = failedWith(err);
    const cause = err instanceof KvError || !(err instanceof Error) ? '' : ` (${err.message})`;
    opts.store?.reportFailure(store, ref.requestId, `${message}${cause}`);
    return other(message);
  };

  /** Runs a backend call; a promise is waited for within the request (deadline, client gone). */
  function call<T, U>(
    store: string,
    fn: () => T | Promise<T>,
    map: (v: T) => U,
  ): Result<U, KvErrorVariant> | Promise<Result<U, KvErrorVariant>> {
    let out: T | Promise<T>;
    try {
      out = fn();
    } catch (err) {
      return failed(store, err);
    }
    if (!(out instanceof Promise)) return { tag: 'ok', val: map(out) };
    const mapped = out.then(
      (v): Result<U, KvErrorVariant> => ({ tag: 'ok', val: map(v) }),
      (err: unknown) => failed(store, err),
    );
    // An aborted request (deadline, client gone) ends the guest's wait with the abort, not a result.
    const scope = ref.scope;
    scope?.onWait();
    return scope ? scope.wait(mapped) : mapped;
  }

  class Bucket {
    readonly name: string;
    readonly backend: KvBackend;
    constructor(name: string, backend: KvBackend) {
      this.name = name;
      this.backend = backend;
    }
    get(key: string) {
      return call(
        this.name,
        () => {
          checkKey(key);
          return this.backend.get(key);
        },
        (v) => v,
      );
    }
    set(key: string, value: Uint8Array) {
      return call(
        this.name,
        () => {
          checkKey(key);
          checkValue(value);
          return this.backend.set(key, value.slice());
        },
        () => undefined,
      );
    }
    delete(key: string) {
      return call(
        this.name,
        () => {
          checkKey(key);
          return this.backend.delete(key);
        },
        () => undefined,
      );
    }
    exists(key: string) {
      return call(
        this.name,
        () => {
          checkKey(key);
          return this.backend.exists(key);
        },
        (v) => v,
      );
    }
    listKeys(cursor: string | bigint | undefined) {
      return call(
        this.name,
        () => this.backend.listKeys(cursor === undefined ? undefined : String(cursor)),
        (page) => ({
          keys: page.keys,
          cursor: page.cursor === undefined ? undefined : draft1 ? BigInt(page.cursor) : page.cursor,
        }),
      );
    }
  }

  class Cas {
    readonly bucket: Bucket;
    readonly key: string;
    readonly seen: Uint8Array | undefined;
    constructor(bucket: Bucket, key: string, seen: Uint8Array | undefined) {
      this.bucket = bucket;
      this.key = key;
      this.seen = seen;
    }
    static new(bucket: Bucket, key: string) {
      return call(
        bucket.name,
        () => {
          checkKey(key);
          return bucket.backend.get(key);
        },
        (seen) => new Cas(bucket, key, seen),
      );
    }
    current() {
      return { tag: 'ok', val: this.seen } as const;
    }
  }

  return {
    'wasi:keyvalue/store': {
      Bucket,
      open(identifier: string) {
        let backend: KvBackend | undefined;
        try {
          backend = opts.store?.open(identifier);
        } catch (err) {
          return failed(identifier, err);
        }
        return backend === undefined ? ACCESS_DENIED : { tag: 'ok', val: new Bucket(identifier, backend) };
      },
    },
    'wasi:keyvalue/atomics': {
      Cas,
      increment(bucket: Bucket, key: string, delta: bigint) {
        // 0.2.0-draft passes a u64: the top half of its range is how a guest writes a negative delta.
        const d = draft1 ? BigInt.asIntN(64, delta) : delta;
        return call(
          bucket.name,
          () => {
            checkKey(key);
            return bucket.backend.increment(key, d);
          },
          (v) => (draft1 ? BigInt.asUintN(64, v) : v),
        );
      },
      swap(cas: Cas, value: Uint8Array) {
        // A failed swap hands back a cas holding the value now there, so the guest can retry with it.
        const r = call(
          cas.bucket.name,
          () => {
            checkValue(value);
            const b = cas.bucket.backend;
            const fresh = () => b.get(cas.key);
            const swapped = b.compareAndSwap(cas.key, cas.seen, value.slice());
            if (swapped instanceof Promise)
              return swapped.then(async (ok) => (ok ? null : { seen: await fresh() }));
            if (swapped) return null;
            const now = fresh();
            return now instanceof Promise ? now.then((seen) => ({ seen })) : { seen: now };
          },
          (failedWith) => failedWith,
        );
        const toCasResult = (res: Result<{ seen: Uint8Array | undefined } | null, KvErrorVariant>) => {
          if (res.tag === 'err') return { tag: 'err', val: { tag: 'store-error', val: res.val } };
          if (res.val === null) return OK_VOID;
          return { tag: 'err', val: { tag: 'cas-failed', val: new Cas(cas.bucket, cas.key, res.val.seen) } };
        };
        return r instanceof Promise ? r.then(toCasResult) : toCasResult(r);
      },
    },
    'wasi:keyvalue/batch': {
      getMany(bucket: Bucket, keys: string[]) {
        return call(
          bucket.name,
          () => {
            checkBatch(keys.length);
            keys.forEach(checkKey);
            return bucket.backend.getMany(keys);
          },
          (values) => values.map((v, i) => (v === undefined ? undefined : [keys[i]!, v])),
        );
      },
      setMany(bucket: Bucket, entries: [string, Uint8Array][]) {
        return call(
          bucket.name,
          () => {
            checkBatch(entries.length);
            for (const [k, v] of entries) {
              checkKey(k);
              checkValue(v);
            }
            return bucket.backend.setMany(entries.map(([k, v]) => [k, v.slice()] as const));
          },
          () => undefined,
        );
      },
      deleteMany(bucket: Bucket, keys: string[]) {
        return call(
          bucket.name,
          () => {
            checkBatch(keys.length);
            keys.forEach(checkKey);
            return bucket.backend.deleteMany(keys);
          },
          () => undefined,
        );
      },
    },
  };
}
