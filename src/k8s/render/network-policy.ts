// A NetworkPolicy per service: ingress only from the gateway's namespace and from the app's services
// that may call this one (their `allowedOutboundHosts` name it), from Prometheus when scraped, and for
// Knative services from Knative's activator and ingress to the queue-proxy; egress as its own
// allowedOutboundHosts say (network-egress.ts).
// @see https://kubernetes.io/docs/concepts/services-networking/network-policies/

import type { ServiceSpec } from '../../manifest/index.ts';
import { parseOutboundPattern } from '../../manifest/outbound-hosts.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { egressRules, servicesNamedBy } from './network-egress.ts';
import { podSelector } from './pod.ts';
import { monitored } from './service-monitor.ts';
import { metadata } from './workload.ts';

/** Services of the app whose allowed outbound hosts reach `target` by a cluster DNS name. */
export function callersOf(ctx: RenderContext, target: ServiceSpec): ServiceSpec[] {
  return ctx.app.services.filter(
    (s) =>
      s.name !== target.name &&
      s.allowedOutboundHosts.some((origin) =>
        servicesNamedBy(ctx, parseOutboundPattern(origin), s.name).some((t) => t.name === target.name),
      ),
  );
}

/**
 * Knative's data path to a revision pod: the activator (and autoscaler, which scrapes the queue-proxy)
 * in knative-serving, the Knative ingress (Kourier by default) and the gateway, all to queue-proxy.
 * @see https://knative.dev/docs/serving/architecture/
 */
const KNATIVE_NAMESPACES = ['knative-serving', 'kourier-system'];
/** queue-proxy: 8012 http, 8013 h2c, 9090 autoscaler metrics, 9091 Prometheus metrics. */
const KNATIVE_PORTS = [8012, 8013, 9090, 9091];

export function networkPolicy(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  if (service.kubernetes.networkPolicy === false) return [];
  const knative = service.kubernetes.mode === 'knative';
  const np = ctx.settings.networkPolicy ?? {};
  const nsSelector = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });
  const from: Record<string, unknown>[] = [
    {
      namespaceSelector: nsSelector(np.gatewayNamespace ?? 'ingress-nginx'),
      ...(np.gatewayPodLabels === undefined ? {} : { podSelector: { matchLabels: np.gatewayPodLabels } }),
    },
    ...callersOf(ctx, service).map((caller) => ({ podSelector: { matchLabels: podSelector(ctx, caller) } })),
    // The pods of a StatefulSet reach each other by name (replication, peers).
    ...(service.kubernetes.mode === 'stateful'
      ? [{ podSelector: { matchLabels: podSelector(ctx, service) } }]
      : []),
    ...(monitored(ctx, service)
      ? [{ namespaceSelector: nsSelector(np.prometheusNamespace ?? 'monitoring') }]
      : []),
    ...(knative
      ? KNATIVE_NAMESPACES.filter((ns) => ns !== np.gatewayNamespace).map((ns) => ({
          namespaceSelector: nsSelector(ns),
        }))
      : []),
  ];
  const ports = knative
    ? KNATIVE_PORTS.map((port) => ({ port, protocol: 'TCP' }))
    : [{ port: 'http', protocol: 'TCP' }];
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(ctx, service),
      spec: {
        egress: egressRules(ctx, service),
        ingress: [{ from, ports }],
        podSelector: { matchLabels: podSelector(ctx, service) },
        policyTypes: ['Ingress', 'Egress'],
      },
    },
  ];
}
