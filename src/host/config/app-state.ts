// What the host resolves once per serving thread for the whole app: the variables' values and the
// key-value stores; per service it hands out only that service's share (see bindings.ts).

import { WasmkubeError } from '../../errors.ts';
import type { AppManifest, ServiceSpec } from '../../manifest/index.ts';
import {
  AppStores,
  ServiceKeyValue,
  type StoreFailureLog,
  storeBackend,
  storeUrlEnv,
} from '../keyvalue/stores.ts';
import { type ResolvedVariable, resolveVariables, ServiceConfig } from './variables.ts';

export class AppState {
  readonly variables: ReadonlyMap<string, ResolvedVariable>;
  readonly stores: AppStores;
  readonly #app: AppManifest;
  readonly #secrets: string[];

  /** @throws WasmkubeError VARIABLE_MISSING, or KEYVALUE_BACKEND for a store that cannot be opened */
  constructor(app: AppManifest) {
    this.#app = app;
    this.variables = resolveVariables(app);
    this.#secrets = [...this.variables.values()]
      .filter((v) => v.secret && v.value !== undefined && v.value !== '')
      .map((v) => v.value!)
      // Longest first, so a secret that contains another is redacted whole.
      .sort((a, b) => b.length - a.length);
    this.stores = new AppStores(app);
  }

  config(service: ServiceSpec): ServiceConfig | undefined {
    return service.variables?.length ? ServiceConfig.forService(service, this.variables) : undefined;
  }

  /** Opens the service's stores now, so a bad backend fails start-up rather than the first request. */
  keyValue(service: ServiceSpec, log?: StoreFailureLog): ServiceKeyValue | undefined {
    if (!service.keyValue?.length) return undefined;
    for (const store of service.keyValue) {
      const spec = storeBackend(this.#app, store);
      try {
        this.stores.backend(store);
      } catch (cause) {
        throw new WasmkubeError(
          'KEYVALUE_BACKEND',
          `service '${service.name}': key-value store '${store}' (${spec.backend}) cannot be opened: ${cause instanceof Error ? cause.message : String(cause)}`,
          {
            cause,
            fix:
              spec.backend === 'sqlite'
                ? 'make the state folder writable, or set WASMKUBE_STATE_DIR to one that is'
                : `set ${storeUrlEnv(store)} to the Redis URL`,
          },
        );
      }
    }
    return new ServiceKeyValue(service, this.stores, log);
  }

  /** A log line with every secret value replaced by `[redacted]`. */
  redact(line: string): string {
    let out = line;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }

  close(): Promise<void> {
    return this.stores.close();
  }
}

/** The guest's environment: the service's variables (`api_key` as `API_KEY`), then its own `env`. */
export function guestEnvironment(
  service: ServiceSpec,
  config: ServiceConfig | undefined,
): Readonly<Record<string, string>> {
  return config ? { ...config.environment(), ...service.env } : service.env;
}
