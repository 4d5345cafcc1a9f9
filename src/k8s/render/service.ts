// The Service in front of a Deployment or StatefulSet (port `service.port`, default 80, to the pods'
// `http` port), and the headless Service a StatefulSet needs. Knative makes its own.
// @see https://kubernetes.io/docs/concepts/services-networking/service/

import type { ServiceSpec } from '../../manifest/index.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { podSelector } from './pod.ts';
import { headlessServiceName } from './statefulset.ts';
import { metadata } from './workload.ts';

export const DEFAULT_SERVICE_PORT = 80;
/** Marks a StatefulSet's headless Service, so a ServiceMonitor does not scrape each pod twice. */
export const HEADLESS_LABEL = 'wasmkube.dev/headless';

function headlessMetadata(meta: KubeObject['metadata']): KubeObject['metadata'] {
  return { ...meta, labels: { ...meta.labels, [HEADLESS_LABEL]: 'true' } };
}

/** The port callers and gateways use: the Service's, or Knative's 80. */
export function servicePort(service: ServiceSpec): number {
  return service.kubernetes.mode === 'knative'
    ? 80
    : (service.kubernetes.service?.port ?? DEFAULT_SERVICE_PORT);
}

export function services(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  const ports = [{ name: 'http', port: servicePort(service), protocol: 'TCP', targetPort: 'http' }];
  const out: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(ctx, service),
      spec: {
        ports,
        selector: podSelector(ctx, service),
        type: service.kubernetes.service?.type ?? 'ClusterIP',
      },
    },
  ];
  if (service.kubernetes.mode === 'stateful') {
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: headlessMetadata(metadata(ctx, service, headlessServiceName(service))),
      spec: {
        clusterIP: 'None',
        ports: [{ name: 'http', port: ctx.port, protocol: 'TCP', targetPort: 'http' }],
        publishNotReadyAddresses: true,
        selector: podSelector(ctx, service),
      },
    });
  }
  return out;
}
