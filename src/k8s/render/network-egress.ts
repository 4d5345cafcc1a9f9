// The egress half of a service's NetworkPolicy, derived from its allowedOutboundHosts: DNS always, the
// app's services it names by pod selector, and other hosts by port (a NetworkPolicy cannot name a host).
// @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors

import type { ServiceSpec } from '../../manifest/index.ts';
import { type OutboundPattern, parseOutboundPattern } from '../../manifest/outbound-hosts.ts';
import type { RenderContext } from './context.ts';
import { podSelector } from './pod.ts';

type Rule = Record<string, unknown>;

const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443 };
const nsSelector = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });

/**
 * The cluster DNS names a pattern host may use for a service of the app (Spin's name included), in the
 * namespace rendered into and the one the manifest names (a Helm chart is rendered for any namespace).
 */
function namesFor(ctx: RenderContext, service: string): Set<string> {
  const names = new Set([service, `${service}.spin.internal`]);
  for (const ns of new Set([ctx.namespace, ctx.settings.namespace ?? ctx.app.name])) {
    names.add(`${service}.${ns}`);
    names.add(`${service}.${ns}.svc`);
    names.add(`${service}.${ns}.svc.cluster.local`);
  }
  return names;
}

/** Services of the app a pattern reaches by a cluster name (all of them for a `*` host). */
export function servicesNamedBy(ctx: RenderContext, pattern: OutboundPattern, self: string): ServiceSpec[] {
  return ctx.app.services.filter((s) => {
    if (s.name === self) return false;
    if (pattern.host === '*') return true;
    if (pattern.host.startsWith('*.')) {
      const suffix = pattern.host.slice(1);
      return [...namesFor(ctx, s.name)].some((n) => n.endsWith(suffix));
    }
    return namesFor(ctx, s.name).has(pattern.host);
  });
}

/** TCP port rules of a pattern: its ports, or its scheme's default; undefined for any port. */
function ports(p: OutboundPattern): Rule[] | undefined {
  if (p.ports) {
    const [lo, hi] = p.ports;
    if (lo === 1 && hi === 65535) return undefined;
    return [{ port: lo, protocol: 'TCP', ...(hi === lo ? {} : { endPort: hi }) }];
  }
  const schemes = p.scheme === '*' ? ['http', 'https'] : [p.scheme];
  return schemes.map((s) => ({ port: DEFAULT_PORT[s], protocol: 'TCP' }));
}

export function egressRules(ctx: RenderContext, service: ServiceSpec): Rule[] {
  const dnsNamespace = ctx.settings.networkPolicy?.dnsNamespace ?? 'kube-system';
  const rules: Rule[] = [
    {
      // Cluster DNS, always: `http://payments` and every external name need it.
      to: [
        {
          namespaceSelector: nsSelector(dnsNamespace),
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    },
  ];
  const peers = new Map<string, ServiceSpec>();
  const external: Rule[] = [];
  let anyPort = false;
  for (const text of service.allowedOutboundHosts) {
    const pattern = parseOutboundPattern(text);
    const named = servicesNamedBy(ctx, pattern, service.name);
    for (const s of named) peers.set(s.name, s);
    // A name that is one of the app's services stays inside the cluster; anything else may be outside.
    const internalOnly = named.length > 0 && pattern.host !== '*' && !pattern.host.startsWith('*.');
    if (internalOnly || pattern.host === 'self' || pattern.host === 'self.alt') continue;
    const p = ports(pattern);
    if (p === undefined) anyPort = true;
    else external.push(...p);
  }
  for (const peer of [...peers.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const to: Rule[] = [{ podSelector: { matchLabels: podSelector(ctx, peer) } }];
    // A scaled-to-zero Knative service is reached through the activator first.
    if (peer.kubernetes.mode === 'knative') to.push({ namespaceSelector: nsSelector('knative-serving') });
    rules.push({ to, ports: [{ port: 'http', protocol: 'TCP' }] });
  }
  // The pods of a StatefulSet reach each other by name (replication, peers), as ingress lets them.
  if (service.kubernetes.mode === 'stateful') {
    rules.push({ to: [{ podSelector: { matchLabels: podSelector(ctx, service) } }] });
  }
  if (anyPort) rules.push({});
  else if (external.length > 0) {
    const seen = new Set<string>();
    const unique = external.filter((r) => {
      const key = JSON.stringify(r);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    unique.sort((a, b) => Number(a.port) - Number(b.port));
    rules.push({ ports: unique });
  }
  return rules;
}
