// Settings that render valid objects which will not run well: printed as warnings, never failures,
// because the numbers depend on the guest (a tiny WAT service runs in less than a JS component).

import type { ServiceSpec } from '../../manifest/index.ts';
import type { RenderContext } from './context.ts';
import { quantityValue, resources } from './pod.ts';
import { sqliteStoreWarnings } from './variables.ts';

/** The least memory limit a pod running the Node.js host gets without a warning. */
export const HOST_MEMORY_FLOOR = '256Mi';

export interface RenderWarning {
  /** The manifest field, e.g. `services.orders.kubernetes.resources.limits.memory`. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

function hostMemory(service: ServiceSpec, env: string | undefined): RenderWarning[] {
  const spec = service.kubernetes;
  // A Wasm shim runs only the guest; the other modes run the wasmkube host, a Node.js process.
  if (spec.mode === 'wasm') return [];
  const limit = resources(spec).limits.memory as string;
  if (quantityValue(limit) >= quantityValue(HOST_MEMORY_FLOOR)) return [];
  const at = `services.${service.name}.kubernetes.resources.limits.memory`;
  return [
    {
      path: env === undefined ? at : `${at} (environment ${env})`,
      message: `${limit} is under ${HOST_MEMORY_FLOOR}: mode ${spec.mode} runs the wasmkube host (Node.js, about 100 MB at rest), which the kernel would kill (exit 137)`,
      fix: `set resources.limits.memory to ${HOST_MEMORY_FLOOR} or more (requests.memory 128Mi), or use mode: wasm for a small guest; limits.memory of the service is the guest's own cap, not the pod's`,
    },
  ];
}

/** `replicas` next to a scaler is not applied: the scaler sizes the workload (from its minimum). */
function ignoredReplicas(service: ServiceSpec, env: string | undefined): RenderWarning[] {
  const spec = service.kubernetes;
  const min = spec.autoscaling?.minReplicas ?? spec.keda?.minReplicas;
  const scaler = spec.autoscaling ? 'autoscaling' : spec.keda ? 'keda' : undefined;
  // 1 is the default: only a count someone wrote can be meant and silently ignored.
  if (scaler === undefined || spec.replicas === 1 || spec.mode === 'knative') return [];
  const at = `services.${service.name}.kubernetes.replicas`;
  return [
    {
      path: env === undefined ? at : `${at} (environment ${env})`,
      message: `replicas: ${spec.replicas} is ignored: ${scaler} sizes this workload, starting at ${min ?? 0} (its minimum)`,
      fix: `remove replicas, or set ${scaler}.minReplicas to the count you want at least`,
    },
  ];
}

/** Warnings for the services of a render context (`env`: the environment it was made with). */
export function renderWarnings(ctx: RenderContext, env?: string): RenderWarning[] {
  return [
    ...ctx.app.services.flatMap((s) => [...hostMemory(s, env), ...ignoredReplicas(s, env)]),
    ...sqliteStoreWarnings(ctx, env),
  ];
}

export function formatWarning(w: RenderWarning): string {
  return `warning: ${w.path}: ${w.message}\n  fix: ${w.fix}`;
}
