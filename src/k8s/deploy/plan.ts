// Pure deploy logic: what changed (the live objects before and after apply), when a workload's
// rollout is done (from its status), and the summary printed at the end. No client, no I/O.

import { describeObject, groupKind, type KubeObject } from '../types.ts';
import { sortKeys } from '../yaml.ts';

export type Change = 'created' | 'configured' | 'unchanged' | 'pruned';

export interface Applied {
  readonly object: KubeObject;
  /** The live object before apply; undefined when it did not exist. */
  readonly before: KubeObject | undefined;
  /** What the apply returned (a server dry run returns what it would store). */
  readonly after: KubeObject | undefined;
}

/** An object without what the server changes on every write: status, versions, managedFields times. */
function content(obj: KubeObject): string {
  const { status: _status, metadata, ...rest } = obj as KubeObject & { status?: unknown };
  const {
    resourceVersion: _rv,
    generation: _g,
    managedFields: _mf,
    ...meta
  } = metadata as Record<string, unknown>;
  return JSON.stringify(sortKeys({ ...rest, metadata: meta }));
}

/**
 * What an apply did, from the objects before and after: comparing content rather than resourceVersions,
 * because a server dry run does not move the resourceVersion even when it would change the object.
 */
export function change(applied: Applied): Change {
  if (applied.before === undefined) return 'created';
  if (applied.after === undefined) return 'unchanged';
  return content(applied.before) === content(applied.after) ? 'unchanged' : 'configured';
}

export interface DeploySummaryCounts {
  readonly created: readonly string[];
  readonly configured: readonly string[];
  readonly unchanged: readonly string[];
  readonly pruned: readonly string[];
}

export function summarize(applied: readonly Applied[], pruned: readonly KubeObject[]): DeploySummaryCounts {
  const out = {
    created: [] as string[],
    configured: [] as string[],
    unchanged: [] as string[],
    pruned: [] as string[],
  };
  for (const a of applied) out[change(a)].push(describeObject(a.object));
  out.pruned.push(...pruned.map(describeObject));
  return out;
}

/** `3 created, 1 configured, 12 unchanged, 1 pruned`, then one line per object that changed. */
export function formatSummary(s: DeploySummaryCounts, dryRun: boolean): string {
  const head = (['created', 'configured', 'unchanged', 'pruned'] as const)
    .map((k) => `${s[k].length} ${k}`)
    .join(', ');
  const lines = [`${dryRun ? '(server dry run) ' : ''}${head}`];
  for (const k of ['created', 'configured', 'pruned'] as const)
    for (const o of s[k]) lines.push(`  ${k}: ${o}`);
  return lines.join('\n');
}

export interface Rollout {
  readonly done: boolean;
  /** `2/3 ready`, or the reason it is not done. */
  readonly message: string;
}

/** Workloads whose rollout `deploy` waits for. */
export function isWorkload(obj: KubeObject): boolean {
  return ['apps/Deployment', 'apps/StatefulSet', 'serving.knative.dev/Service'].includes(groupKind(obj));
}

interface WorkloadStatus {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    url?: string;
  };
}

/** Whether a live workload has finished rolling out, kubectl rollout status's rules. */
export function rolloutState(live: KubeObject): Rollout {
  const w = live as unknown as WorkloadStatus;
  const status = w.status ?? {};
  if (groupKind(live) === 'serving.knative.dev/Service') {
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True' && (status.observedGeneration ?? 0) >= (w.metadata?.generation ?? 0)) {
      return { done: true, message: `ready at ${status.url ?? 'its URL'}` };
    }
    return { done: false, message: ready?.message ?? ready?.reason ?? 'waiting for Ready' };
  }
  if ((status.observedGeneration ?? 0) < (w.metadata?.generation ?? 1)) {
    return { done: false, message: 'waiting for the controller to see the new spec' };
  }
  const want = w.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const ready =
    (groupKind(live) === 'apps/StatefulSet' ? status.readyReplicas : status.availableReplicas) ?? 0;
  const total = status.replicas ?? 0;
  if (updated < want) return { done: false, message: `${updated}/${want} updated` };
  if (total > updated) return { done: false, message: `${total - updated} old pods terminating` };
  if (ready < want) return { done: false, message: `${ready}/${want} ready` };
  if (
    groupKind(live) === 'apps/StatefulSet' &&
    status.updateRevision !== status.currentRevision &&
    want > 0
  ) {
    return { done: false, message: 'waiting for the update revision' };
  }
  return { done: true, message: `${ready}/${want} ready` };
}

/**
 * Owns only the replica count a scaled workload is created at: `wasmkube`'s applies never name
 * `replicas`, so they never reset it, and the scaler's first update takes it over.
 */
export const INITIAL_REPLICAS_MANAGER = 'wasmkube-initial-replicas';

/**
 * The replica count to create a workload at when a scaler sizes it: the rendered workload leaves
 * `replicas` out (so apply and the scaler never fight), and Kubernetes would create it at 1, below an
 * HPA's minReplicas. Undefined when nothing scales it (or a scaler may take it to zero). Pure.
 */
export function initialReplicas(workload: KubeObject, objects: readonly KubeObject[]): number | undefined {
  if (!['apps/Deployment', 'apps/StatefulSet'].includes(groupKind(workload))) return undefined;
  for (const o of objects) {
    const spec = (o as { spec?: { scaleTargetRef?: { kind?: string; name?: string } } }).spec;
    const target = spec?.scaleTargetRef;
    if (target?.kind !== workload.kind || target.name !== workload.metadata.name) continue;
    const min =
      groupKind(o) === 'autoscaling/HorizontalPodAutoscaler'
        ? ((spec as { minReplicas?: number }).minReplicas ?? 1)
        : groupKind(o) === 'keda.sh/ScaledObject'
          ? (spec as { minReplicaCount?: number }).minReplicaCount
          : undefined;
    if (min !== undefined && min > 1) return min;
  }
  return undefined;
}
