// Why a workload is not ready, in the cluster's own words: its pods' waiting reasons and unschedulable
// conditions, and the scheduler's and kubelet's Warning events (a RuntimeClass no node matches, a handler
// containerd has no runtime for), so `deploy` says more than "0/2 ready".

import { groupKind, type KubeObject } from '../types.ts';
import type { Cluster } from './client.ts';

interface PodLike {
  metadata: { name: string; uid?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      state?: { waiting?: { reason?: string; message?: string } };
      lastState?: { terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}

/** The labels that select a workload's pods (Knative labels its revisions' pods by service). */
export function podSelector(workload: KubeObject): string | undefined {
  if (groupKind(workload) === 'serving.knative.dev/Service')
    return `serving.knative.dev/service=${workload.metadata.name}`;
  const match = (workload as { spec?: { selector?: { matchLabels?: Record<string, string> } } }).spec
    ?.selector?.matchLabels;
  if (!match || Object.keys(match).length === 0) return undefined;
  return Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * The distinct reasons, most telling first: Warning events about the workload or its pods (newest
 * first), then what the pods' own status says. Pure.
 */
export function notReadyReasons(
  workload: KubeObject,
  pods: readonly KubeObject[],
  events: readonly KubeObject[],
): string[] {
  const names = new Set(pods.map((p) => p.metadata.name));
  const live = workload as { status?: unknown };
  const out: string[] = [];
  const add = (line: string) => {
    if (!out.includes(line)) out.push(line);
  };
  if (groupKind(workload) === 'serving.knative.dev/Service' && live.status === undefined) {
    add(
      'it has no status: is Knative Serving installed and its controller running? (kubectl get pods -n knative-serving)',
    );
  }
  const warnings = (events as unknown as EventLike[])
    .filter(
      (e) =>
        e.type === 'Warning' &&
        ((e.involvedObject?.kind === 'Pod' && names.has(e.involvedObject.name ?? '')) ||
          e.involvedObject?.name === workload.metadata.name ||
          (e.involvedObject?.name ?? '').startsWith(`${workload.metadata.name}-`)),
    )
    .sort((a, b) =>
      (b.lastTimestamp ?? b.eventTime ?? '').localeCompare(a.lastTimestamp ?? a.eventTime ?? ''),
    );
  for (const e of warnings)
    add(
      `${e.reason ?? 'Warning'}: ${(e.message ?? '').trim()} (${e.involvedObject?.kind} ${e.involvedObject?.name})`,
    );
  for (const pod of pods as unknown as PodLike[]) {
    const s = pod.status ?? {};
    const unscheduled = s.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (unscheduled)
      add(
        `${unscheduled.reason ?? 'Unschedulable'}: ${unscheduled.message ?? ''} (Pod ${pod.metadata.name})`,
      );
    for (const c of s.containerStatuses ?? []) {
      const waiting = c.state?.waiting;
      if (waiting?.reason && waiting.reason !== 'ContainerCreating')
        add(`${waiting.reason}: ${waiting.message ?? `container ${c.name}`} (Pod ${pod.metadata.name})`);
      const last = c.lastState?.terminated;
      if (last)
        add(`container ${c.name} last exited: ${last.reason ?? 'terminated'} (exit code ${last.exitCode})`);
    }
  }
  return out;
}

/** Reads the workload's pods and the namespace's events and explains; never throws (best effort). */
export async function explainNotReady(cluster: Cluster, workload: KubeObject, max = 3): Promise<string[]> {
  const ns = workload.metadata.namespace;
  try {
    const selector = podSelector(workload);
    const pods = selector ? await cluster.list('v1', 'Pod', ns, selector) : [];
    const events = await cluster.list('v1', 'Event', ns, '');
    const live = (await cluster.read(workload)) ?? workload;
    return notReadyReasons(live, pods, events).slice(0, max);
  } catch (err) {
    return [`(could not read its pods and events: ${err instanceof Error ? err.message : String(err)})`];
  }
}
