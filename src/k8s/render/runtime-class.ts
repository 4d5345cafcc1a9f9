// Wasm mode's node side: a RuntimeClass per runtimeClassName used (handler = the containerd runtime
// name), or a runtime-class-manager Shim that installs the shim on nodes and creates the RuntimeClass.
// @see https://kubernetes.io/docs/concepts/containers/runtime-class/

import { appLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';

/** The containerd config a node needs for handler `name` without runtime-class-manager (the guide's snippet). */
export function containerdSnippet(handler: string): string {
  return [
    `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${handler}]`,
    `  runtime_type = "io.containerd.${handler}.v1"`,
    '',
  ].join('\n');
}

export function runtimeClasses(ctx: RenderContext): KubeObject[] {
  const names = [
    ...new Set(
      ctx.app.services
        .filter((s) => s.kubernetes.mode === 'wasm')
        .map((s) => s.kubernetes.runtimeClassName ?? 'wasmtime'),
    ),
  ].sort();
  return names.map((name) => {
    const settings = ctx.settings.runtimeClasses?.[name] ?? {};
    const handler = settings.handler ?? name;
    const labels = appLabels(ctx.app.name, ctx.version);
    // The label the README has users put on nodes with the shim: pods of this class land only there.
    const nodeSelector = settings.nodeSelector ?? { [`runtime.wasmkube.dev/${name}`]: 'true' };
    if (settings.shim !== undefined) {
      return {
        apiVersion: 'runtime.spinkube.dev/v1alpha1',
        kind: 'Shim',
        metadata: { labels, name },
        spec: {
          fetchStrategy: { anonHttp: { location: settings.shim.location } },
          nodeSelector,
          rolloutStrategy: { type: 'recreate' },
          runtimeClass: { handler, name },
        },
      };
    }
    return {
      apiVersion: 'node.k8s.io/v1',
      handler,
      kind: 'RuntimeClass',
      metadata: {
        // Installing the shim is a node task; the snippet travels with the object for `kubectl describe`.
        annotations: { 'wasmkube.dev/containerd-config': containerdSnippet(handler) },
        labels,
        name,
      },
      scheduling: { nodeSelector },
    };
  });
}
