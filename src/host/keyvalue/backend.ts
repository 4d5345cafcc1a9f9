// The contract every key-value backend meets (sqlite, redis): one store's keys, with atomic increment,
// compare-and-swap and batches. Calls may return a value or a promise: sqlite answers at once.

export type MaybePromise<T> = T | Promise<T>;

/** A page of keys; `cursor` (a decimal number) is absent on the last page. */
export interface KeyPage {
  readonly keys: string[];
  readonly cursor?: string;
}

export interface KvBackend {
  readonly kind: 'sqlite' | 'redis';
  get(key: string): MaybePromise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): MaybePromise<void>;
  delete(key: string): MaybePromise<void>;
  exists(key: string): MaybePromise<boolean>;
  listKeys(cursor: string | undefined): MaybePromise<KeyPage>;
  /**
   * Adds `delta` to the decimal integer stored at key (0 when absent) and returns the result.
   * @throws KvError when the value is not a decimal integer or the sum leaves the signed 64-bit range
   */
  increment(key: string, delta: bigint): MaybePromise<bigint>;
  /** Sets key to `value` only if it still holds `expected` (undefined: absent). */
  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): MaybePromise<boolean>;
  getMany(keys: readonly string[]): MaybePromise<(Uint8Array | undefined)[]>;
  setMany(entries: readonly (readonly [string, Uint8Array])[]): MaybePromise<void>;
  deleteMany(keys: readonly string[]): MaybePromise<void>;
  close(): MaybePromise<void>;
}

/** A failure the guest sees as `error::other(message)`; the message never holds a value or a URL. */
export class KvError extends Error {}

/** The most keys one list-keys page returns. */
export const PAGE_SIZE = 1000;
/** Keys and batches the host accepts from a guest: the host, not the guest, would pay for more. */
export const MAX_KEY_BYTES = 64 * 1024;
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;
export const MAX_BATCH = 10_000;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** The integer a stored value holds, for increment. */
export function parseCounter(bytes: Uint8Array | undefined): bigint {
  if (bytes === undefined) return 0n;
  const s = Buffer.from(bytes).toString('latin1');
  if (!/^-?[0-9]{1,19}$/.test(s)) throw new KvError('increment: the value is not a decimal integer');
  return BigInt(s);
}

export function checkedSum(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (sum < I64_MIN || sum > I64_MAX)
    throw new KvError('increment: the result overflows a signed 64-bit integer');
  return sum;
}

export const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === undefined || b === undefined ? a === b : Buffer.from(a).equals(Buffer.from(b));
