// Apply order: what others depend on first (Namespaces, CRDs, RuntimeClasses and Shims), then config,
// Services, workloads, scalers and policies, gateways last; within a kind by namespace and name.

import { groupKind, type KubeObject } from './types.ts';

const ORDER: readonly string[] = [
  '/Namespace',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'node.k8s.io/RuntimeClass',
  'runtime.spinkube.dev/Shim',
  '/ServiceAccount',
  '/Secret',
  '/ConfigMap',
  '/PersistentVolumeClaim',
  '/Service',
  'apps/Deployment',
  'apps/StatefulSet',
  'serving.knative.dev/Service',
  'autoscaling/HorizontalPodAutoscaler',
  'keda.sh/ScaledObject',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/NetworkPolicy',
  'monitoring.coreos.com/ServiceMonitor',
  'networking.istio.io/DestinationRule',
  'networking.istio.io/VirtualService',
  'networking.istio.io/EnvoyFilter',
  'extensions.istio.io/WasmPlugin',
  'networking.k8s.io/Ingress',
  'gateway.networking.k8s.io/HTTPRoute',
];

/** Rank of a kind in apply order; kinds not listed go after those listed, by name. */
export function kindRank(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): number {
  const at = ORDER.indexOf(groupKind(obj));
  return at < 0 ? ORDER.length : at;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy, in apply order. Deletion goes the other way round. */
export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort(
    (a, b) =>
      kindRank(a) - kindRank(b) ||
      compare(groupKind(a), groupKind(b)) ||
      compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
      compare(a.metadata.name, b.metadata.name),
  );
}
