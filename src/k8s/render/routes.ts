// The manifest's routes as gateway paths, shared by the Ingress and the HTTPRoute: a route `/orders` or
// `/orders/...` is the prefix `/orders` on segment boundaries, which is what both APIs mean by Prefix.

import type { RenderContext } from './context.ts';
import { servicePort } from './service.ts';

export interface GatewayPath {
  readonly path: string;
  readonly service: string;
  readonly port: number;
  /**
   * The Host a Knative service answers to (`NAME.NAMESPACE.svc.cluster.local`): its Kubernetes Service
   * points at Knative's gateway, which routes by Host, so the gateway must rewrite it. Absent otherwise.
   */
  readonly knativeHost?: string;
}

/** Every route of every service, sorted by path so output is stable whatever the manifest order. */
export function gatewayPaths(ctx: RenderContext): GatewayPath[] {
  const out: GatewayPath[] = [];
  for (const service of ctx.app.services) {
    for (const route of service.routes) {
      out.push({
        path: route.prefix,
        service: service.name,
        port: servicePort(service),
        ...(service.kubernetes.mode === 'knative'
          ? { knativeHost: `${service.name}.${ctx.namespace}.svc.cluster.local` }
          : {}),
      });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.service < b.service ? -1 : 1));
}
