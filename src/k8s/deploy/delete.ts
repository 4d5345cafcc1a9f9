// `wasmkube delete` as a function: every live member of the app's ApplySet (or, without one, every
// object the app renders), in reverse apply order, then the parent. The Namespace only when asked.

import type { AppManifest } from '../../manifest/index.ts';
import { sortObjects } from '../order.ts';
import { renderObjects } from '../render/app.ts';
import { IMAGES_UNUSED, type RenderOptions, renderContext } from '../render/context.ts';
import { describeObject, type KubeObject, objectKey } from '../types.ts';
import { applySet, parentKinds } from './applyset.ts';
import type { Cluster, ClusterOptions } from './client.ts';
import { liveMembers } from './deploy.ts';

export interface DeleteOptions extends RenderOptions, ClusterOptions {
  readonly dryRun?: boolean;
  /** Also delete the app's Namespace (and so everything else in it). @default false */
  readonly includeNamespace?: boolean;
  readonly progress?: (line: string) => void;
  readonly cluster?: Cluster;
}

/** What to delete, in order: members last-applied-first, the Namespace only when asked. Pure. */
export function deletionOrder(members: readonly KubeObject[], includeNamespace: boolean): KubeObject[] {
  const unique = new Map(members.map((o) => [objectKey(o), o]));
  return sortObjects([...unique.values()])
    .reverse()
    .filter((o) => includeNamespace || o.kind !== 'Namespace');
}

export async function deleteApp(app: AppManifest, opts: DeleteOptions = {}): Promise<string[]> {
  const say = opts.progress ?? (() => {});
  // Names and kinds do not depend on images: no registry needed to find the objects.
  const ctx = renderContext(app, { registry: IMAGES_UNUSED, ...opts });
  const objects = renderObjects(ctx);
  const cluster = opts.cluster ?? (await (await import('./client.ts')).connect(opts));
  const set = applySet(app.name, ctx.namespace, objects, ctx.version);
  const parent = await cluster.read(set.parent);
  const members =
    parent === undefined
      ? objects
      : [...objects, ...(await liveMembers(cluster, set.id, parentKinds(parent), objects, ctx.namespace))];
  const deleted: string[] = [];
  for (const obj of deletionOrder(members, opts.includeNamespace ?? false)) {
    if (await cluster.delete(obj, opts.dryRun ?? false)) {
      say(`deleted ${describeObject(obj)}`);
      deleted.push(describeObject(obj));
    }
  }
  if (parent !== undefined && (await cluster.delete(set.parent, opts.dryRun ?? false)))
    deleted.push(describeObject(set.parent));
  return deleted;
}
