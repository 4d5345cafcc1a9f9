// `autoscaling`: an autoscaling/v2 HorizontalPodAutoscaler on average CPU and memory utilization, the
// guide's example (min 2, max 100, cpu 70, memory 80) being one manifest line.
// @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/

import type { ServiceSpec } from '../../manifest/index.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { metadata, workloadKind } from './workload.ts';

export function hpa(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  const scaling = service.kubernetes.autoscaling;
  if (scaling === undefined) return [];
  const metric = (name: 'cpu' | 'memory', target: number | undefined) =>
    target === undefined
      ? []
      : [
          {
            resource: { name, target: { averageUtilization: target, type: 'Utilization' } },
            type: 'Resource',
          },
        ];
  return [
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: metadata(ctx, service),
      spec: {
        maxReplicas: scaling.maxReplicas,
        metrics: [...metric('cpu', scaling.cpu), ...metric('memory', scaling.memory)],
        minReplicas: scaling.minReplicas,
        scaleTargetRef: { ...workloadKind(service), name: service.name },
      },
    },
  ];
}
