// The Ingress with every route of the manifest (the guide's /orders and /payments), each a Prefix path
// to its service's Service; host, class, TLS and annotations from `kubernetes.ingress`.
// @see https://kubernetes.io/docs/concepts/services-networking/ingress/

import { appLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { type GatewayPath, gatewayPaths } from './routes.ts';

/**
 * The app's Ingress for its Deployments and StatefulSets, plus one per Knative service: Knative routes by
 * Host, and the Ingress API has no rewrite, so those carry ingress-nginx's upstream-vhost annotation.
 */
export function ingress(ctx: RenderContext): KubeObject[] {
  const settings = ctx.settings.ingress;
  if (settings === false) return [];
  const all = gatewayPaths(ctx);
  const out: KubeObject[] = [];
  const plain = all.filter((p) => p.knativeHost === undefined);
  if (plain.length > 0) out.push(one(ctx, ctx.app.name, plain, {}));
  for (const service of [...new Set(all.filter((p) => p.knativeHost !== undefined).map((p) => p.service))]) {
    const paths = all.filter((p) => p.service === service);
    const vhost = { 'nginx.ingress.kubernetes.io/upstream-vhost': paths[0]?.knativeHost as string };
    out.push(one(ctx, `${ctx.app.name}-${service}`, paths, vhost));
  }
  return out;
}

function one(
  ctx: RenderContext,
  name: string,
  gatewayPaths: readonly GatewayPath[],
  extraAnnotations: Record<string, string>,
): KubeObject {
  const settings = ctx.settings.ingress || undefined;
  const paths = gatewayPaths.map((p) => ({
    backend: { service: { name: p.service, port: { number: p.port } } },
    path: p.path,
    pathType: 'Prefix',
  }));
  const host = settings?.host;
  const annotations = { ...(settings?.annotations ?? {}), ...extraAnnotations };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      labels: appLabels(ctx.app.name, ctx.version),
      name,
      namespace: ctx.namespace,
    },
    spec: {
      ...(settings?.className === undefined ? {} : { ingressClassName: settings.className }),
      rules: [{ ...(host === undefined ? {} : { host }), http: { paths } }],
      ...(settings?.tlsSecret === undefined
        ? {}
        : { tls: [{ ...(host === undefined ? {} : { hosts: [host] }), secretName: settings.tlsSecret }] }),
    },
  };
}
