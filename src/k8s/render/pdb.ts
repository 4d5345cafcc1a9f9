// A PodDisruptionBudget for services with two or more pods, so node drains keep one serving:
// maxUnavailable 1 unless `disruptionBudget` says otherwise (or is false).
// @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/

import type { ServiceSpec } from '../../manifest/index.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { podSelector } from './pod.ts';
import { metadata } from './workload.ts';

export function pdb(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  const spec = service.kubernetes;
  const budget = spec.disruptionBudget;
  if (budget === false || spec.mode === 'knative') return [];
  const fewest = spec.autoscaling?.minReplicas ?? spec.keda?.minReplicas ?? spec.replicas;
  if (budget === undefined && fewest < 2) return [];
  const rule =
    budget?.minAvailable !== undefined
      ? { minAvailable: budget.minAvailable }
      : { maxUnavailable: budget?.maxUnavailable ?? 1 };
  return [
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(ctx, service),
      spec: { ...rule, selector: { matchLabels: podSelector(ctx, service) } },
    },
  ];
}
