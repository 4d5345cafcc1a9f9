// `wasmkube delete` as a function: the live objects labelled with the app's ApplySet id, in reverse apply
// order, then the parent. Shared cluster-scoped kinds (RuntimeClass, Shim, CRDs) and the Namespace only when asked.

import type { AppManifest } from '../../manifest/index.ts';
import { sortObjects } from '../order.ts';
import { renderObjects } from '../render/app.ts';
import { IMAGES_UNUSED, type RenderOptions, renderContext } from '../render/context.ts';
import { describeObject, type KubeObject, objectKey } from '../types.ts';
import { APPLYSET_PART_OF, applySet, applySetGroupKind, parentKinds } from './applyset.ts';
import type { Cluster, ClusterOptions } from './client.ts';
import { liveMembers } from './deploy.ts';

export interface DeleteOptions extends RenderOptions, ClusterOptions {
  readonly dryRun?: boolean;
  /** Also delete the app's Namespace (and so everything else in it). @default false */
  readonly includeNamespace?: boolean;
  /**
   * Also delete cluster-scoped objects other apps may use: RuntimeClasses, runtime-class-manager Shims
   * and CustomResourceDefinitions the app applied. @default false
   */
  readonly includeClusterScoped?: boolean;
  readonly progress?: (line: string) => void;
  readonly cluster?: Cluster;
}

/** Cluster-scoped kinds that other apps share: an app's delete leaves them unless asked. */
export const SHARED_KINDS: ReadonlySet<string> = new Set([
  'RuntimeClass.node.k8s.io',
  'Shim.runtime.spinkube.dev',
  'CustomResourceDefinition.apiextensions.k8s.io',
]);

export interface DeletionChoice {
  readonly includeNamespace: boolean;
  readonly includeClusterScoped: boolean;
}

/** Whether delete looks at a group-kind at all (`Kind.group`, the ApplySet spelling). */
export function deletesKind(groupKind: string, choice: DeletionChoice): boolean {
  if (groupKind === 'Namespace') return choice.includeNamespace;
  return choice.includeClusterScoped || !SHARED_KINDS.has(groupKind);
}

/**
 * What to delete, in order: live objects carrying the ApplySet id `id` (an object of the same name that
 * another tool or app made is left alone), last-applied-first, once each, without the kinds `choice`
 * keeps. Pure.
 */
export function deletionOrder(id: string, live: readonly KubeObject[], choice: DeletionChoice): KubeObject[] {
  const unique = new Map(
    live
      .filter((o) => o.metadata.labels?.[APPLYSET_PART_OF] === id)
      .filter((o) => deletesKind(applySetGroupKind(o), choice))
      .map((o) => [objectKey(o), o]),
  );
  return sortObjects([...unique.values()]).reverse();
}

export async function deleteApp(app: AppManifest, opts: DeleteOptions = {}): Promise<string[]> {
  const say = opts.progress ?? (() => {});
  const choice = {
    includeNamespace: opts.includeNamespace ?? false,
    includeClusterScoped: opts.includeClusterScoped ?? false,
  };
  // Names and kinds do not depend on images: no registry needed to find the objects.
  const ctx = renderContext(app, { registry: IMAGES_UNUSED, ...opts });
  const objects = renderObjects(ctx);
  const cluster = opts.cluster ?? (await (await import('./client.ts')).connect(opts));
  const set = applySet(app.name, ctx.namespace, objects, ctx.version);
  const parent = await cluster.read(set.parent);
  // The kinds the parent recorded and those the app renders now; the id is the same either way.
  const kinds = [...new Set([...parentKinds(parent), ...objects.map(applySetGroupKind)])]
    .filter((gk) => deletesKind(gk, choice))
    .sort();
  const live = await liveMembers(cluster, set.id, kinds, objects, ctx.namespace);
  const deleted: string[] = [];
  for (const obj of deletionOrder(set.id, live, choice)) {
    if (await cluster.delete(obj, opts.dryRun ?? false)) {
      say(`deleted ${describeObject(obj)}`);
      deleted.push(describeObject(obj));
    }
  }
  if (parent !== undefined && (await cluster.delete(set.parent, opts.dryRun ?? false)))
    deleted.push(describeObject(set.parent));
  return deleted;
}
