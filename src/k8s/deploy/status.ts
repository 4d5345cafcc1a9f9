// `wasmkube status` as a function: each service's workload, ready replicas and URL, read from the
// cluster; the row building is pure so tests feed it live objects.

import type { AppManifest } from '../../manifest/index.ts';
import { IMAGES_UNUSED, type RenderContext, type RenderOptions, renderContext } from '../render/context.ts';
import { servicePort } from '../render/service.ts';
import { workloadKind } from '../render/workload.ts';
import type { KubeObject } from '../types.ts';
import type { Cluster, ClusterOptions } from './client.ts';
import { rolloutState } from './plan.ts';

export interface ServiceStatus {
  readonly service: string;
  readonly mode: string;
  /** `Deployment shop/orders`. */
  readonly workload: string;
  /** `2/3`, or `-` when the workload does not exist. */
  readonly ready: string;
  readonly url: string;
  readonly message: string;
}

function url(
  ctx: RenderContext,
  service: AppManifest['services'][number],
  live: KubeObject | undefined,
): string {
  const knUrl = (live as { status?: { url?: string } } | undefined)?.status?.url;
  if (knUrl !== undefined) return knUrl;
  const ingress = ctx.settings.ingress;
  const route = service.routes[0]?.prefix ?? '/';
  if (ingress !== false && ingress?.host !== undefined) {
    return `${ingress.tlsSecret === undefined ? 'http' : 'https'}://${ingress.host}${route}`;
  }
  return `http://${service.name}.${ctx.namespace}.svc.cluster.local:${servicePort(service)}${route}`;
}

export function statusRows(
  ctx: RenderContext,
  live: ReadonlyMap<string, KubeObject | undefined>,
): ServiceStatus[] {
  return ctx.app.services.map((service) => {
    const kind = workloadKind(service);
    const obj = live.get(service.name);
    const status = (obj as { status?: { readyReplicas?: number; replicas?: number } } | undefined)?.status;
    const spec = (obj as { spec?: { replicas?: number } } | undefined)?.spec;
    const ready =
      obj === undefined
        ? '-'
        : kind.kind === 'Service'
          ? rolloutState(obj).done
            ? 'ready'
            : 'not ready'
          : `${status?.readyReplicas ?? 0}/${spec?.replicas ?? status?.replicas ?? 0}`;
    return {
      service: service.name,
      mode: service.kubernetes.mode,
      workload: `${kind.kind === 'Service' ? 'ksvc' : kind.kind} ${ctx.namespace}/${service.name}`,
      ready,
      url: url(ctx, service, obj),
      message: obj === undefined ? 'not deployed' : rolloutState(obj).message,
    };
  });
}

/** An aligned text table of rows, for the CLI. */
export function formatStatus(rows: readonly ServiceStatus[]): string {
  const head = {
    service: 'SERVICE',
    mode: 'MODE',
    workload: 'WORKLOAD',
    ready: 'READY',
    url: 'URL',
    message: 'STATUS',
  };
  const all = [head, ...rows];
  const cols = ['service', 'mode', 'workload', 'ready', 'url', 'message'] as const;
  const width = cols.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all
    .map((r) =>
      cols
        .map((c, i) => r[c].padEnd(width[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function status(
  app: AppManifest,
  opts: RenderOptions & ClusterOptions & { cluster?: Cluster } = {},
) {
  // Names and kinds do not depend on images: no registry needed to find the objects.
  const ctx = renderContext(app, { registry: IMAGES_UNUSED, ...opts });
  const cluster = opts.cluster ?? (await (await import('./client.ts')).connect(opts));
  const live = new Map<string, KubeObject | undefined>();
  for (const service of ctx.app.services) {
    const kind = workloadKind(service);
    live.set(
      service.name,
      await cluster.read({ ...kind, metadata: { name: service.name, namespace: ctx.namespace } }),
    );
  }
  return statusRows(ctx, live);
}
