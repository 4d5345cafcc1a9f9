// `keda`: a KEDA ScaledObject instead of an HPA, for event-driven scaling (queues, Prometheus queries)
// down to zero replicas.
// @see https://keda.sh/docs/latest/reference/scaledobject-spec/

import type { ServiceSpec } from '../../manifest/index.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { metadata, workloadKind } from './workload.ts';

export function scaledObject(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  const keda = service.kubernetes.keda;
  if (keda === undefined) return [];
  return [
    {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: metadata(ctx, service),
      spec: {
        ...(keda.cooldownPeriod === undefined ? {} : { cooldownPeriod: keda.cooldownPeriod }),
        maxReplicaCount: keda.maxReplicas,
        minReplicaCount: keda.minReplicas ?? 0,
        ...(keda.pollingInterval === undefined ? {} : { pollingInterval: keda.pollingInterval }),
        scaleTargetRef: { ...workloadKind(service), name: service.name },
        triggers: keda.triggers,
      },
    },
  ];
}
