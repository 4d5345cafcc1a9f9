// `wasmkube deploy` as a function: render and validate, then server-side apply in dependency order as
// an ApplySet, prune what the app no longer renders, wait for each workload's rollout, and summarize.

import { WasmkubeError } from '../../errors.ts';
import type { AppManifest } from '../../manifest/index.ts';
import { sortObjects } from '../order.ts';
import { renderObjects } from '../render/app.ts';
import { type RenderOptions, renderContext } from '../render/context.ts';
import { describeObject, type KubeObject } from '../types.ts';
import { validateObjects } from '../validate.ts';
import { APPLYSET_PART_OF, applySet, parentKinds, pruneSet } from './applyset.ts';
import type { Cluster, ClusterOptions } from './client.ts';
import { type Applied, type DeploySummaryCounts, isWorkload, rolloutState, summarize } from './plan.ts';

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
}

export interface DeploySummary extends DeploySummaryCounts {
  readonly applySetId: string;
  readonly namespace: string;
  readonly dryRun: boolean;
}

/** Lists every live member of an ApplySet over the group-kinds its parent records. */
export async function liveMembers(
  cluster: Cluster,
  id: string,
  kinds: readonly string[],
  objects: readonly KubeObject[],
) {
  const versions = new Map(
    objects.map((o) => [
      `${o.kind}${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}`,
      o.apiVersion,
    ]),
  );
  const out: KubeObject[] = [];
  for (const gk of kinds) {
    const [kind, ...group] = gk.split('.');
    const apiVersion = versions.get(gk) ?? (group.length === 0 ? 'v1' : undefined);
    // A kind no longer rendered and not core: its version is unknown here; the parent keeps it listed.
    if (apiVersion === undefined || kind === undefined) continue;
    out.push(...(await cluster.list(apiVersion, kind, undefined, `${APPLYSET_PART_OF}=${id}`)));
  }
  return sortObjects(out);
}

export async function deploy(app: AppManifest, opts: DeployOptions = {}): Promise<DeploySummary> {
  const say = opts.progress ?? (() => {});
  const dryRun = opts.dryRun ?? false;
  const ctx = renderContext(app, opts);
  const objects = renderObjects(ctx);
  await validateObjects(objects);
  const cluster = opts.cluster ?? (await (await import('./client.ts')).connect(opts));
  say(`${dryRun ? 'server dry run against' : 'deploying to'} ${cluster.where}, namespace ${ctx.namespace}`);

  const probe = applySet(app.name, ctx.namespace, objects, ctx.version);
  const oldParent = await cluster.read(probe.parent);
  const set = applySet(app.name, ctx.namespace, objects, ctx.version, parentKinds(oldParent));

  // The parent first, so a crash mid-apply leaves members a later --prune can still find.
  const ordered = sortObjects(set.members);
  const nsFirst = ordered.filter((o) => o.kind === 'Namespace');
  const applied: Applied[] = [];
  for (const obj of [...nsFirst, set.parent, ...ordered.filter((o) => o.kind !== 'Namespace')]) {
    const before = await cluster.read(obj);
    const after = await cluster.apply(obj, dryRun);
    if (obj !== set.parent) {
      applied.push({
        object: obj,
        before: before?.metadata && (before.metadata as { resourceVersion?: string }).resourceVersion,
        after: (after.metadata as { resourceVersion?: string }).resourceVersion,
      });
    }
  }

  let pruned: KubeObject[] = [];
  if (opts.prune) {
    const live = await liveMembers(cluster, set.id, parentKinds(set.parent), objects);
    pruned = pruneSet(set.id, set.members, live).reverse();
    for (const obj of pruned) {
      say(`pruning ${describeObject(obj)}`);
      await cluster.delete(obj, dryRun);
    }
  }

  if (!dryRun && (opts.wait ?? true))
    await waitForRollouts(cluster, objects.filter(isWorkload), opts.timeoutMs ?? 300_000, say);
  return { ...summarize(applied, pruned), applySetId: set.id, namespace: ctx.namespace, dryRun };
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
      throw new WasmkubeError(
        'K8S_ROLLOUT',
        `not ready after ${Math.round(timeoutMs / 1000)}s: ${pending.map((w) => last.get(describeObject(w))).join('; ')}`,
        {
          fix: 'kubectl describe the pods (image pull, probes, RuntimeClass on the nodes), or raise --timeout',
        },
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
