// Resolves the app's variables once per serving thread: manifest default, then `.env` beside
// wasmkube.yaml, then the environment (SPIN_VARIABLE_NAME, then WASMKUBE_VAR_NAME), and hands each service
// exactly the variables it names. Values never appear in errors or logs; secret ones are redacted.

import { join } from 'node:path';
import { WasmkubeError } from '../../errors.ts';
import type { AppManifest, ServiceSpec } from '../../manifest/index.ts';
import { readDotenv } from './dotenv.ts';

export type VariableSource = 'default' | '.env' | 'environment';

export interface ResolvedVariable {
  readonly value: string | undefined;
  readonly secret: boolean;
  readonly source: VariableSource | undefined;
}

/** `api_key` → `WASMKUBE_VAR_API_KEY`: how the environment (and a pod spec) names a variable. */
export const envName = (name: string): string => `WASMKUBE_VAR_${name.toUpperCase()}`;
/** Spin's spelling, accepted too so a Spin app's deployment works unchanged. */
export const spinEnvName = (name: string): string => `SPIN_VARIABLE_${name.toUpperCase()}`;

export interface ResolveOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default `${app.dir}/.env` when the app came from a folder */
  readonly dotenvFile?: string;
}

/**
 * Every declared variable with its value and where it came from.
 * @throws WasmkubeError VARIABLE_MISSING naming the first required variable without a value and how to set it
 */
export function resolveVariables(app: AppManifest, opts: ResolveOptions = {}): Map<string, ResolvedVariable> {
  const env = opts.env ?? process.env;
  const file = opts.dotenvFile ?? (app.dir === undefined ? undefined : join(app.dir, '.env'));
  // Only what the services served here read: a pod serving one service gets only its variables.
  const used = new Set(app.services.flatMap((s) => s.variables ?? []));
  const declared = Object.fromEntries(Object.entries(app.variables ?? {}).filter(([n]) => used.has(n)));
  const dotenv = file !== undefined && Object.keys(declared).length > 0 ? readDotenv(file) : new Map();
  const out = new Map<string, ResolvedVariable>();
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    let value = spec.default;
    let source: VariableSource | undefined = value === undefined ? undefined : 'default';
    // In .env a variable may be written as in the manifest or as the environment spells it.
    for (const key of [name, spinEnvName(name), envName(name)]) {
      const v = dotenv.get(key);
      if (v !== undefined) [value, source] = [v, '.env'];
    }
    for (const key of [spinEnvName(name), envName(name)]) {
      const v = env[key];
      if (v !== undefined) [value, source] = [v, 'environment'];
    }
    if (value === undefined && spec.required) missing.push(name);
    out.set(name, { value, secret: spec.secret, source });
  }
  if (missing.length > 0) {
    const first = missing[0]!;
    const where = file === undefined ? '' : `, or ${first}=... in ${file}`;
    throw new WasmkubeError(
      'VARIABLE_MISSING',
      `required variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} ha${missing.length > 1 ? 've' : 's'} no value`,
      { fix: `set ${envName(first)}=... in the environment${where}` },
    );
  }
  return out;
}

/** What one service may read: its own variables, with values. */
export class ServiceConfig {
  readonly #values: ReadonlyMap<string, string>;
  #environment: Readonly<Record<string, string>> | undefined;

  constructor(values: ReadonlyMap<string, string>) {
    this.#values = values;
  }

  static forService(service: ServiceSpec, all: ReadonlyMap<string, ResolvedVariable>): ServiceConfig {
    const values = new Map<string, string>();
    for (const name of service.variables ?? []) {
      const v = all.get(name);
      if (v?.value !== undefined) values.set(name, v.value);
    }
    return new ServiceConfig(values);
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  entries(): [string, string][] {
    return [...this.#values];
  }

  /** The variables as the guest's environment sees them: `api_key` as `API_KEY`. */
  environment(): Readonly<Record<string, string>> {
    // Made once: a WAGI module asks for it on every request.
    this.#environment ??= Object.fromEntries([...this.#values].map(([k, v]) => [k.toUpperCase(), v]));
    return this.#environment;
  }
}
