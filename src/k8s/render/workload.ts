// What Deployments and StatefulSets share: object metadata, and whether a scaler (HPA or KEDA) owns the
// replica count, in which case the workload leaves `replicas` out so apply and the scaler do not fight.

import type { ServiceSpec } from '../../manifest/index.ts';
import { serviceLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';

export function metadata(
  ctx: RenderContext,
  service: ServiceSpec,
  name = service.name,
): KubeObject['metadata'] {
  return { labels: serviceLabels(ctx.app.name, service.name, ctx.version), name, namespace: ctx.namespace };
}

export function scaled(service: ServiceSpec): boolean {
  return service.kubernetes.autoscaling !== undefined || service.kubernetes.keda !== undefined;
}

/** Whether Istio splits this service's traffic between a stable and a canary Deployment. */
export function hasCanary(service: ServiceSpec): boolean {
  return service.kubernetes.istio?.canary !== undefined;
}

/** The kind that runs a service's pods, for scaleTargetRef and rollouts. */
export function workloadKind(service: ServiceSpec): { apiVersion: string; kind: string } {
  switch (service.kubernetes.mode) {
    case 'stateful':
      return { apiVersion: 'apps/v1', kind: 'StatefulSet' };
    case 'knative':
      return { apiVersion: 'serving.knative.dev/v1', kind: 'Service' };
    default:
      return { apiVersion: 'apps/v1', kind: 'Deployment' };
  }
}
