// One Ingress for the app with every route of the manifest (the guide's /orders and /payments), each a
// Prefix path to its service's Service; host, class, TLS and annotations from `kubernetes.ingress`.
// @see https://kubernetes.io/docs/concepts/services-networking/ingress/

import { appLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { gatewayPaths } from './routes.ts';

export function ingress(ctx: RenderContext): KubeObject[] {
  const settings = ctx.settings.ingress;
  if (settings === false) return [];
  const paths = gatewayPaths(ctx).map((p) => ({
    backend: { service: { name: p.service, port: { number: p.port } } },
    path: p.path,
    pathType: 'Prefix',
  }));
  if (paths.length === 0) return [];
  const host = settings?.host;
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        ...(settings?.annotations === undefined ? {} : { annotations: settings.annotations }),
        labels: appLabels(ctx.app.name, ctx.version),
        name: ctx.app.name,
        namespace: ctx.namespace,
      },
      spec: {
        ...(settings?.className === undefined ? {} : { ingressClassName: settings.className }),
        rules: [{ ...(host === undefined ? {} : { host }), http: { paths } }],
        ...(settings?.tlsSecret === undefined
          ? {}
          : { tls: [{ ...(host === undefined ? {} : { hosts: [host] }), secretName: settings.tlsSecret }] }),
      },
    },
  ];
}
