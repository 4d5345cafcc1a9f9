// The app's variables and key-value stores in the cluster: plain values in a ConfigMap, secret ones in
// a Secret (values from the environment at render time) or read from an existing Secret the manifest
// names, and per container exactly the env entries of that service's own variables and stores.
// @see https://kubernetes.io/docs/concepts/configuration/secret/

import { WasmkubeError } from '../../errors.ts';
import type { ServiceSpec, StoreSpec, VariableSpec } from '../../manifest/index.ts';
import { appLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';

/** Same names as src/host/config/variables.ts and src/host/keyvalue/stores.ts (the host reads these). */
const envName = (name: string) => `WASMKUBE_VAR_${name.toUpperCase()}`;
const spinEnvName = (name: string) => `SPIN_VARIABLE_${name.toUpperCase()}`;
const storeUrlEnv = (store: string) => `WASMKUBE_KEYVALUE_${store.toUpperCase().replace(/-/g, '_')}_URL`;

export const configMapName = (ctx: RenderContext): string => `${ctx.app.name}-variables`;
export const secretName = (ctx: RenderContext): string => `${ctx.app.name}-secrets`;

/** A variable's value at render time: the environment's, else the manifest default. */
function renderValue(ctx: RenderContext, name: string, spec: VariableSpec): string | undefined {
  return ctx.environment[envName(name)] ?? ctx.environment[spinEnvName(name)] ?? spec.default;
}

/** Variables some service reads, sorted. */
function usedVariables(ctx: RenderContext): [string, VariableSpec][] {
  const used = new Set(ctx.app.services.flatMap((s) => s.variables ?? []));
  return Object.entries(ctx.app.variables ?? {}).filter(([name]) => used.has(name));
}

/**
 * The ConfigMap of plain values and the Secret of secret ones, when any service reads any.
 * @throws WasmkubeError VARIABLE_MISSING for a required variable with no value and no secretRef
 */
export function variableObjects(ctx: RenderContext): KubeObject[] {
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = {};
  for (const [name, spec] of usedVariables(ctx)) {
    if (spec.secretRef !== undefined) continue;
    const value = renderValue(ctx, name, spec);
    if (value === undefined) {
      if (!spec.required) continue;
      throw new WasmkubeError('VARIABLE_MISSING', `required variable '${name}' has no value to render`, {
        fix: spec.secret
          ? `set ${envName(name)} when running k8s render, or read it from an existing Secret: variables.${name}.secretRef: { name: SECRET }`
          : `set ${envName(name)} when running k8s render, or give it a default`,
      });
    }
    if (spec.secret) secret[name] = Buffer.from(value, 'utf8').toString('base64');
    else plain[name] = value;
  }
  const metadata = (name: string) => ({
    labels: appLabels(ctx.app.name, ctx.version),
    name,
    namespace: ctx.namespace,
  });
  const out: KubeObject[] = [];
  if (Object.keys(plain).length > 0)
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(configMapName(ctx)), data: plain });
  if (Object.keys(secret).length > 0) {
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: metadata(secretName(ctx)),
      type: 'Opaque',
      data: secret,
    });
  }
  return out;
}

/** The store backends in this render: the cluster's (kubernetes.keyValue, per environment) over the app's. */
function storeSpec(ctx: RenderContext, store: string): StoreSpec {
  const k8s = (ctx.settings as { keyValue?: Record<string, StoreSpec> }).keyValue?.[store];
  return k8s ?? ctx.app.keyValue?.[store] ?? { backend: 'sqlite' };
}

/**
 * The env entries of one container: each of the service's variables, and its stores' Redis URLs. The
 * host (container, stateful, knative) reads WASMKUBE_VAR_*; a Wasm shim gives the guest its container's
 * env, so wasm mode sets the names the guest reads (API_KEY) and Spin's shim reads (SPIN_VARIABLE_API_KEY).
 */
export function stateEnv(ctx: RenderContext, service: ServiceSpec): Record<string, unknown>[] {
  const wasm = service.kubernetes.mode === 'wasm';
  const out: Record<string, unknown>[] = [];
  const variables = ctx.app.variables ?? {};
  for (const name of service.variables ?? []) {
    const spec = variables[name];
    if (spec === undefined) continue;
    let valueFrom: Record<string, unknown> | undefined;
    if (spec.secretRef !== undefined)
      valueFrom = { secretKeyRef: { key: spec.secretRef.key, name: spec.secretRef.name } };
    else {
      const value = renderValue(ctx, name, spec);
      if (value === undefined) continue;
      valueFrom = spec.secret
        ? { secretKeyRef: { key: name, name: secretName(ctx) } }
        : { configMapKeyRef: { key: name, name: configMapName(ctx) } };
    }
    const names = wasm ? [name.toUpperCase(), spinEnvName(name)] : [envName(name)];
    for (const n of names) out.push({ name: n, valueFrom });
  }
  if (!wasm) {
    let sqlite = false;
    for (const store of service.keyValue ?? []) {
      const spec = storeSpec(ctx, store);
      if (spec.backend === 'sqlite') sqlite = true;
      else if (typeof spec.url === 'string') out.push({ name: storeUrlEnv(store), value: spec.url });
      else
        out.push({
          name: storeUrlEnv(store),
          valueFrom: { secretKeyRef: { key: spec.url.key, name: spec.url.secret } },
        });
    }
    // A sqlite store needs a writable folder: the StatefulSet's volume, else the pod's /tmp (lost with
    // the pod; see the warning).
    if (sqlite) {
      out.push({
        name: 'WASMKUBE_STATE_DIR',
        value: service.kubernetes.mode === 'stateful' ? '/data/.wasmkube-state' : '/tmp/wasmkube-state',
      });
    }
  }
  return out.sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1));
}

/** Services whose sqlite store would live in a pod's /tmp: each replica has its own, lost on restart. */
export function sqliteStoreWarnings(ctx: RenderContext, env: string | undefined) {
  return ctx.app.services.flatMap((s) => {
    const mode = s.kubernetes.mode;
    if (mode === 'wasm' && (s.keyValue?.length ?? 0) > 0) {
      return [
        {
          path: `services.${s.name}.keyValue${env === undefined ? '' : ` (environment ${env})`}`,
          message:
            'mode wasm runs the guest under a containerd shim: its key-value stores are what the shim provides (wasmkube configures none there)',
          fix: 'configure the stores in the shim (Spin: runtime-config.toml), or use mode: container for wasmkube-managed stores',
        },
      ];
    }
    if (mode === 'stateful' || mode === 'wasm') return [];
    return (s.keyValue ?? [])
      .filter((store) => storeSpec(ctx, store).backend === 'sqlite')
      .map((store) => ({
        path: `services.${s.name}.keyValue${env === undefined ? '' : ` (environment ${env})`}`,
        message: `store '${store}' is sqlite in mode ${mode}: each pod keeps its own copy in /tmp, lost when the pod goes`,
        fix: `give the store a Redis backend for the cluster: kubernetes.keyValue.${store}: { backend: redis, url: { secret: NAME, key: url } }, or use mode: stateful`,
      }));
  });
}
