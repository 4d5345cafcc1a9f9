// ApplySets (KEP-3659, what `kubectl apply --prune --applyset` uses): a parent Secret records which kinds
// the app has; every member carries the parent's id label, so pruning finds what the app no longer renders.
// @see https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/#alternative-kubectl-apply-f-directory-prune

import { createHash } from 'node:crypto';
import { appLabels } from '../labels.ts';
import { groupKind, type KubeObject, objectKey } from '../types.ts';

export const APPLYSET_ID = 'applyset.kubernetes.io/id';
export const APPLYSET_PART_OF = 'applyset.kubernetes.io/part-of';
export const APPLYSET_KINDS = 'applyset.kubernetes.io/contains-group-kinds';
export const APPLYSET_TOOLING = 'applyset.kubernetes.io/tooling';
export const TOOLING = 'wasmkube/v0.1.0';

/** The parent's id: `applyset-` + base64url(sha256(name.namespace.kind.group)) + `-v1`, as the KEP says. */
export function applySetId(name: string, namespace: string, kind = 'Secret', group = ''): string {
  const hash = createHash('sha256').update(`${name}.${namespace}.${kind}.${group}`).digest('base64url');
  return `applyset-${hash}-v1`;
}

/** `Kind.group` (core kinds: `Kind`), the KEP's spelling of a group-kind. */
export function applySetGroupKind(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const [group, kind] = groupKind(obj).split('/') as [string, string];
  return group === '' ? kind : `${kind}.${group}`;
}

export interface ApplySet {
  readonly id: string;
  readonly parent: KubeObject;
  /** The members, each labelled with the id. */
  readonly members: readonly KubeObject[];
}

/**
 * The parent Secret `APP-applyset` in the app's namespace and the labelled members.
 * @param previousKinds group-kinds the parent listed before, kept so a later prune still looks there
 */
export function applySet(
  app: string,
  namespace: string,
  objects: readonly KubeObject[],
  version: string,
  previousKinds: readonly string[] = [],
): ApplySet {
  const name = `${app}-applyset`;
  const id = applySetId(name, namespace);
  const kinds = [...new Set([...objects.map(applySetGroupKind), ...previousKinds])].sort();
  const parent: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      annotations: { [APPLYSET_KINDS]: kinds.join(','), [APPLYSET_TOOLING]: TOOLING },
      labels: { ...appLabels(app, version), [APPLYSET_ID]: id },
      name,
      namespace,
    },
    type: 'Opaque',
  };
  const members = objects.map((o) => ({
    ...o,
    metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), [APPLYSET_PART_OF]: id } },
  }));
  return { id, parent, members };
}

/** Group-kinds a parent read from the cluster lists. */
export function parentKinds(parent: KubeObject | undefined): string[] {
  const value = parent?.metadata.annotations?.[APPLYSET_KINDS];
  return value === undefined || value === '' ? [] : value.split(',');
}

/** Live members of the set that the app no longer renders: what `--prune` deletes. */
export function pruneSet(
  id: string,
  wanted: readonly KubeObject[],
  live: readonly KubeObject[],
): KubeObject[] {
  const keep = new Set(wanted.map(objectKey));
  return live.filter((o) => o.metadata.labels?.[APPLYSET_PART_OF] === id && !keep.has(objectKey(o)));
}
