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

/** Warnings for the services of a render context (`env`: the environment it was made with). */
export function renderWarnings(ctx: RenderContext, env?: string): RenderWarning[] {
  return [...ctx.app.services.flatMap((s) => hostMemory(s, env)), ...sqliteStoreWarnings(ctx, env)];
}

export function formatWarning(w: RenderWarning): string {
  return `warning: ${w.path}: ${w.message}\n  fix: ${w.fix}`;
}
