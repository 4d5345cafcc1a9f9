// Gateway API instead of (or next to) the Ingress: one HTTPRoute attached to `kubernetes.gateway`'s
// Gateways, a PathPrefix rule per route.
// @see https://gateway-api.sigs.k8s.io/api-types/httproute/

import { appLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { gatewayPaths } from './routes.ts';

export function httpRoute(ctx: RenderContext): KubeObject[] {
  const gateway = ctx.settings.gateway;
  if (gateway === undefined) return [];
  const rules = gatewayPaths(ctx).map((p) => ({
    backendRefs: [{ name: p.service, port: p.port }],
    ...(p.knativeHost === undefined
      ? {}
      : { filters: [{ type: 'URLRewrite', urlRewrite: { hostname: p.knativeHost } }] }),
    matches: [{ path: { type: 'PathPrefix', value: p.path } }],
  }));
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        labels: appLabels(ctx.app.name, ctx.version),
        name: ctx.app.name,
        namespace: ctx.namespace,
      },
      spec: {
        ...(gateway.hostnames === undefined ? {} : { hostnames: gateway.hostnames }),
        parentRefs: gateway.parentRefs.map((ref) => ({
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          ...ref,
        })),
        rules,
      },
    },
  ];
}
