// A prometheus-operator ServiceMonitor scraping the host's /metrics through the Service's `http` port
// (the host serves /metrics next to the routes). Not for knative or wasm mode, which have no host.
// @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor

import type { ServiceSpec } from '../../manifest/index.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { podSelector } from './pod.ts';
import { HEADLESS_LABEL } from './service.ts';
import { metadata } from './workload.ts';

export function monitored(ctx: RenderContext, service: ServiceSpec): boolean {
  const mode = service.kubernetes.mode;
  if (mode === 'knative' || mode === 'wasm') return false;
  const own = service.kubernetes.serviceMonitor;
  return own === undefined ? ctx.settings.serviceMonitor === true : own !== false;
}

export function serviceMonitor(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  if (!monitored(ctx, service)) return [];
  const own = service.kubernetes.serviceMonitor;
  const interval = typeof own === 'object' ? (own.interval ?? '30s') : '30s';
  return [
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: metadata(ctx, service),
      spec: {
        endpoints: [{ interval, path: '/metrics', port: 'http', scheme: 'http' }],
        selector: {
          matchExpressions: [{ key: HEADLESS_LABEL, operator: 'DoesNotExist' }],
          matchLabels: podSelector(ctx, service),
        },
      },
    },
  ];
}
