// The sqlite key-value backend (node:sqlite): one file per app under its state directory, one table
// row per key; every serving thread opens its own connection and WAL mode lets them share the file.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  checkedSum,
  type KeyPage,
  type KvBackend,
  KvError,
  PAGE_SIZE,
  parseCounter,
  sameBytes,
} from './backend.ts';

const require = createRequire(import.meta.url);

interface Statements {
  readonly get: StatementSync;
  readonly set: StatementSync;
  readonly delete: StatementSync;
  readonly exists: StatementSync;
  readonly list: StatementSync;
}

/** One connection per file per thread; each store is a slice of its table. */
const databases = new Map<string, { db: DatabaseSync; st: Statements; users: number }>();

function openDatabase(file: string): { db: DatabaseSync; st: Statements; users: number } {
  const known = databases.get(file);
  if (known) {
    known.users++;
    return known;
  }
  mkdirSync(dirname(file), { recursive: true });
  // Loaded here, not at the top: only apps with a key-value store pay for it.
  const { DatabaseSync: Db } = require('node:sqlite') as typeof import('node:sqlite');
  const db = new Db(file, { timeout: 10_000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS kv (store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key)) WITHOUT ROWID',
  );
  const st: Statements = {
    get: db.prepare('SELECT value FROM kv WHERE store = ? AND key = ?'),
    set: db.prepare(
      'INSERT INTO kv (store, key, value) VALUES (?, ?, ?) ON CONFLICT (store, key) DO UPDATE SET value = excluded.value',
    ),
    delete: db.prepare('DELETE FROM kv WHERE store = ? AND key = ?'),
    exists: db.prepare('SELECT 1 AS one FROM kv WHERE store = ? AND key = ?'),
    list: db.prepare('SELECT key FROM kv WHERE store = ? ORDER BY key LIMIT ? OFFSET ?'),
  };
  const entry = { db, st, users: 1 };
  databases.set(file, entry);
  return entry;
}

export class SqliteBackend implements KvBackend {
  readonly kind = 'sqlite' as const;
  readonly #file: string;
  readonly #store: string;
  readonly #db: DatabaseSync;
  readonly #st: Statements;
  #closed = false;

  constructor(file: string, store: string) {
    this.#file = file;
    this.#store = store;
    const { db, st } = openDatabase(file);
    this.#db = db;
    this.#st = st;
  }

  get(key: string): Uint8Array | undefined {
    const row = this.#st.get.get(this.#store, key) as { value: Uint8Array } | undefined;
    return row?.value;
  }

  set(key: string, value: Uint8Array): void {
    this.#st.set.run(this.#store, key, value);
  }

  delete(key: string): void {
    this.#st.delete.run(this.#store, key);
  }

  exists(key: string): boolean {
    return this.#st.exists.get(this.#store, key) !== undefined;
  }

  listKeys(cursor: string | undefined): KeyPage {
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new KvError('list-keys: not a cursor this store gave');
    const rows = this.#st.list.all(this.#store, PAGE_SIZE + 1, offset) as { key: string }[];
    const keys = rows.slice(0, PAGE_SIZE).map((r) => r.key);
    return rows.length > PAGE_SIZE ? { keys, cursor: String(offset + PAGE_SIZE) } : { keys };
  }

  /** Runs `fn` in a write transaction: other threads and processes wait for it (busy timeout). */
  #atomically<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.#db.exec('COMMIT');
      return out;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  increment(key: string, delta: bigint): bigint {
    return this.#atomically(() => {
      const next = checkedSum(parseCounter(this.get(key)), delta);
      this.set(key, Buffer.from(String(next), 'latin1'));
      return next;
    });
  }

  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): boolean {
    return this.#atomically(() => {
      if (!sameBytes(this.get(key), expected)) return false;
      this.set(key, value);
      return true;
    });
  }

  getMany(keys: readonly string[]): (Uint8Array | undefined)[] {
    return keys.map((k) => this.get(k));
  }

  setMany(entries: readonly (readonly [string, Uint8Array])[]): void {
    this.#atomically(() => {
      for (const [k, v] of entries) this.set(k, v);
    });
  }

  deleteMany(keys: readonly string[]): void {
    this.#atomically(() => {
      for (const k of keys) this.delete(k);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const entry = databases.get(this.#file);
    if (entry && --entry.users === 0) {
      databases.delete(this.#file);
      entry.db.close();
    }
  }
}
