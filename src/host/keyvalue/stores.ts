// Which backend each store of the app uses, and what one service may open: the stores it names under
// `keyValue:`; any other is access-denied. Backends are opened on first use and shared by the services.

import { join } from 'node:path';
import type { AppManifest, ServiceSpec, StoreSpec } from '../../manifest/index.ts';
import type { KvBackend } from './backend.ts';
import { RedisBackend } from './redis.ts';
import { SqliteBackend } from './sqlite.ts';

/** `default` → `WASMKUBE_KEYVALUE_DEFAULT_URL`: a Redis URL there (a pod's Secret) overrides the manifest. */
export const storeUrlEnv = (store: string): string =>
  `WASMKUBE_KEYVALUE_${store.toUpperCase().replace(/-/g, '_')}_URL`;

/** Where sqlite stores live: $WASMKUBE_STATE_DIR, else `.wasmkube/state` beside wasmkube.yaml. */
export function stateDir(
  app: AppManifest,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return env.WASMKUBE_STATE_DIR ?? join(app.dir ?? process.cwd(), '.wasmkube', 'state');
}

/** A store's backend as configured: the environment's URL, else the manifest's, else sqlite. */
export function storeBackend(
  app: AppManifest,
  store: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StoreSpec {
  const url = env[storeUrlEnv(store)];
  if (url !== undefined && url !== '') return { backend: 'redis', url };
  return app.keyValue?.[store] ?? { backend: 'sqlite' };
}

/** The app's open stores in this thread. */
export class AppStores {
  readonly #app: AppManifest;
  readonly #open = new Map<string, KvBackend>();

  constructor(app: AppManifest) {
    this.#app = app;
  }

  backend(store: string): KvBackend {
    const known = this.#open.get(store);
    if (known) return known;
    const spec = storeBackend(this.#app, store);
    let b: KvBackend;
    if (spec.backend === 'redis') {
      if (typeof spec.url !== 'string') {
        // `url: { secret, key }` is for k8s render; the pod gets it as WASMKUBE_KEYVALUE_..._URL.
        throw new Error(`store '${store}': set ${storeUrlEnv(store)} to the Redis URL`);
      }
      b = new RedisBackend(spec.url, this.#app.name, store);
    } else b = new SqliteBackend(join(stateDir(this.#app), `${this.#app.name}.kv.sqlite`), store);
    this.#open.set(store, b);
    return b;
  }

  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(all.map((b) => b.close()));
  }
}

/** Where a failed store call is reported: the host log, with the request id. */
export type StoreFailureLog = (failure: { store: string; reqId: string | undefined; error: string }) => void;

/** What one service may open. */
export class ServiceKeyValue {
  readonly #stores: AppStores;
  readonly #allowed: ReadonlySet<string>;
  readonly #log: StoreFailureLog | undefined;

  constructor(service: ServiceSpec, stores: AppStores, log?: StoreFailureLog) {
    this.#stores = stores;
    this.#allowed = new Set(service.keyValue ?? []);
    this.#log = log;
  }

  /** Logs a store failure the guest was told about (its message never holds a value or a password). */
  reportFailure(store: string, reqId: string | undefined, error: string): void {
    this.#log?.({ store, reqId, error });
  }

  /** The store's backend, or undefined when this service did not name it. */
  open(store: string): KvBackend | undefined {
    return this.#allowed.has(store) ? this.#stores.backend(store) : undefined;
  }
}
