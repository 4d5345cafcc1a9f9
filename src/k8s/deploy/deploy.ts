// `wasmkube deploy` as a function: render and validate, then server-side apply in dependency order as
// an ApplySet, prune what the app no longer renders, wait for each workload's rollout, and summarize.

import { WasmkubeError } from '../../errors.ts';
import type { AppManifest } from '../../manifest/index.ts';
import { sortObjects } from '../order.ts';
import { renderObjects } from '../render/app.ts';
import { type RenderOptions, renderContext } from '../render/context.ts';
import { formatWarning, renderWarnings } from '../render/warnings.ts';
import { describeObject, type KubeObject } from '../types.ts';
import { validateObjects } from '../validate.ts';
import { checkWasmModes } from '../wasm-mode.ts';
import { APPLYSET_PART_OF, applySet, applySetGroupKind, parentKinds, pruneSet } from './applyset.ts';
import type { Cluster, ClusterOptions } from './client.ts';
import { explainNotReady } from './not-ready.ts';
import {
  type Applied,
  type DeploySummaryCounts,
  INITIAL_REPLICAS_MANAGER,
  initialReplicas,
  isWorkload,
  rolloutState,
  summarize,
} from './plan.ts';

export interface DeployOptions extends RenderOptions, ClusterOptions {
  /** Ask the API server to validate and admit everything without persisting it. @default false */
  readonly dryRun?: boolean;
  /** Delete members of the app's ApplySet that it no longer renders. @default false */
  readonly prune?: boolean;
  /** Wait for Deployments, StatefulSets and Knative Services to be ready. @default true */
  readonly wait?: boolean;
  /** @default 300000 */
  readonly timeoutMs?: number;
  /** Called with progress lines. */
  readonly progress?: (line: string) => void;
  /** A connected cluster; tests pass one, the CLI lets deploy connect. */
  readonly cluster?: Cluster;
  /**
   * Called with what was applied and pruned before the rollout wait, so that it is reported even when
   * the wait fails.
   */
  readonly onApplied?: (summary: DeploySummary) => void;
}

export interface DeploySummary extends DeploySummaryCounts {
  readonly applySetId: string;
  readonly namespace: string;
  readonly dryRun: boolean;
}

/** Group-kinds without a namespace among those wasmkube renders; the rest are listed in the app's namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition.apiextensions.k8s.io',
  'RuntimeClass.node.k8s.io',
  'Shim.runtime.spinkube.dev',
]);

/** The version to list each kind wasmkube renders at, also once the app no longer renders it (prune). */
const VERSIONS: Readonly<Record<string, string>> = {
  Namespace: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  'Deployment.apps': 'apps/v1',
  'StatefulSet.apps': 'apps/v1',
  'HorizontalPodAutoscaler.autoscaling': 'autoscaling/v2',
  'PodDisruptionBudget.policy': 'policy/v1',
  'NetworkPolicy.networking.k8s.io': 'networking.k8s.io/v1',
  'Ingress.networking.k8s.io': 'networking.k8s.io/v1',
  'RuntimeClass.node.k8s.io': 'node.k8s.io/v1',
  'Service.serving.knative.dev': 'serving.knative.dev/v1',
  'ScaledObject.keda.sh': 'keda.sh/v1alpha1',
  'ServiceMonitor.monitoring.coreos.com': 'monitoring.coreos.com/v1',
  'VirtualService.networking.istio.io': 'networking.istio.io/v1beta1',
  'DestinationRule.networking.istio.io': 'networking.istio.io/v1beta1',
  'EnvoyFilter.networking.istio.io': 'networking.istio.io/v1alpha3',
  'WasmPlugin.extensions.istio.io': 'extensions.istio.io/v1alpha1',
  'HTTPRoute.gateway.networking.k8s.io': 'gateway.networking.k8s.io/v1',
  'Shim.runtime.spinkube.dev': 'runtime.spinkube.dev/v1alpha1',
};

export interface ListTarget {
  readonly apiVersion: string;
  readonly kind: string;
  /** Undefined for cluster-scoped kinds. */
  readonly namespace: string | undefined;
}

/**
 * Where to look for members of an ApplySet: each group-kind its parent lists, at the version the app
 * renders it (or the one wasmkube renders it at), in the app's namespace unless cluster-scoped. Pure.
 */
export function listTargets(
  kinds: readonly string[],
  objects: readonly KubeObject[],
  namespace: string,
): ListTarget[] {
  const rendered = new Map(objects.map((o) => [applySetGroupKind(o), o.apiVersion]));
  return kinds.flatMap((gk) => {
    const apiVersion = rendered.get(gk) ?? VERSIONS[gk];
    const kind = gk.split('.')[0] as string;
    // A kind of another tool's making: without its version, leave it alone rather than guess.
    if (apiVersion === undefined) return [];
    return [{ apiVersion, kind, namespace: CLUSTER_SCOPED.has(gk) ? undefined : namespace }];
  });
}

/** Lists every live member of an ApplySet over the group-kinds its parent records. */
export async function liveMembers(
  cluster: Cluster,
  id: string,
  kinds: readonly string[],
  objects: readonly KubeObject[],
  namespace: string,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const t of listTargets(kinds, objects, namespace)) {
    out.push(...(await cluster.list(t.apiVersion, t.kind, t.namespace, `${APPLYSET_PART_OF}=${id}`)));
  }
  return sortObjects(out);
}

export async function deploy(app: AppManifest, opts: DeployOptions = {}): Promise<DeploySummary> {
  const say = opts.progress ?? (() => {});
  const dryRun = opts.dryRun ?? false;
  const ctx = renderContext(app, opts);
  await checkWasmModes(app);
  const objects = renderObjects(ctx);
  await validateObjects(objects);
  for (const w of renderWarnings(ctx, opts.env)) say(formatWarning(w));
  const cluster = opts.cluster ?? (await (await import('./client.ts')).connect(opts));
  say(`${dryRun ? 'server dry run against' : 'deploying to'} ${cluster.where}, namespace ${ctx.namespace}`);

  const probe = applySet(app.name, ctx.namespace, objects, ctx.version);
  const oldParent = await cluster.read(probe.parent);
  const set = applySet(app.name, ctx.namespace, objects, ctx.version, parentKinds(oldParent));

  // Namespaces, then the ApplySet parent, then the members: a crash mid-apply leaves members that a
  // later --prune can still find.
  const ordered = sortObjects(set.members);
  const namespaces = ordered.filter((o) => o.kind === 'Namespace');
  const applied: Applied[] = [];
  // A dry run creates no Namespace, and the API server refuses objects in one that does not exist.
  const missing = new Set<string>();
  for (const obj of [...namespaces, set.parent, ...ordered.filter((o) => o.kind !== 'Namespace')]) {
    const before = await cluster.read(obj);
    if (dryRun && obj.kind === 'Namespace' && before === undefined) {
      missing.add(obj.metadata.name);
      say(`namespace ${obj.metadata.name} does not exist yet: the server cannot check the objects in it`);
    }
    if (obj.metadata.namespace !== undefined && missing.has(obj.metadata.namespace)) {
      if (obj !== set.parent) applied.push({ object: obj, before: undefined, after: undefined });
      continue;
    }
    let after = await cluster.apply(obj, dryRun);
    const initial = before === undefined && !dryRun ? initialReplicas(obj, objects) : undefined;
    if (initial !== undefined) {
      // Created at the scaler's minimum, not Kubernetes' default of 1 (see initialReplicas).
      say(`${describeObject(obj)}: created at ${initial} replicas (the autoscaler's minimum)`);
      after = await cluster.apply(
        {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
          spec: { replicas: initial },
        },
        false,
        INITIAL_REPLICAS_MANAGER,
      );
    }
    if (obj !== set.parent) applied.push({ object: obj, before, after });
  }

  let pruned: KubeObject[] = [];
  if (opts.prune) {
    const live = await liveMembers(cluster, set.id, parentKinds(set.parent), objects, ctx.namespace);
    pruned = pruneSet(set.id, set.members, live).reverse();
    for (const obj of pruned) {
      say(`pruning ${describeObject(obj)}`);
      await cluster.delete(obj, dryRun);
    }
  }

  const summary = { ...summarize(applied, pruned), applySetId: set.id, namespace: ctx.namespace, dryRun };
  opts.onApplied?.(summary);
  if (!dryRun && (opts.wait ?? true))
    await waitForRollouts(cluster, objects.filter(isWorkload), opts.timeoutMs ?? 300_000, say);
  return summary;
}

async function waitForRollouts(
  cluster: Cluster,
  workloads: readonly KubeObject[],
  timeoutMs: number,
  say: (l: string) => void,
) {
  const deadline = Date.now() + timeoutMs;
  const last = new Map<string, string>();
  let pending = [...workloads];
  while (pending.length > 0) {
    const next: KubeObject[] = [];
    for (const w of pending) {
      const live = await cluster.read(w);
      const state = live === undefined ? { done: false, message: 'not found yet' } : rolloutState(live);
      const line = `${describeObject(w)}: ${state.message}`;
      if (last.get(describeObject(w)) !== line) say(line);
      last.set(describeObject(w), line);
      if (!state.done) next.push(w);
    }
    pending = next;
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      const lines: string[] = [];
      for (const w of pending) {
        lines.push(last.get(describeObject(w)) ?? describeObject(w));
        for (const why of await explainNotReady(cluster, w)) lines.push(`  ${why}`);
      }
      const wasm = lines.some((l) =>
        /RuntimeClass|runtime handler|no runtime for|node\(s\) didn't match/i.test(l),
      );
      throw new WasmkubeError(
        'K8S_ROLLOUT',
        `not ready after ${Math.round(timeoutMs / 1000)}s:\n${lines.join('\n')}`,
        {
          fix: wasm
            ? 'wasm mode needs nodes with the shim: install it and label them runtime.wasmkube.dev/NAME=true (README: Nodes for wasm mode), or use mode: container'
            : 'kubectl describe the pods (image pull, probes, RuntimeClass on the nodes), or raise --timeout',
        },
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
