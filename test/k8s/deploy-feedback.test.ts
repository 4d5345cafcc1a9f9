// What `deploy` tells a user on a real cluster, checked against an in-memory Cluster (there is no API
// server here): the summary comes also when the rollout wait fails, each workload says why it is not
// ready (scheduler and kubelet events), and an HPA-scaled Deployment is created at minReplicas.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import type { Cluster } from '../../src/k8s/deploy/client.ts';
import { notReadyReasons, podSelector } from '../../src/k8s/deploy/not-ready.ts';
import { INITIAL_REPLICAS_MANAGER, initialReplicas } from '../../src/k8s/deploy/plan.ts';
import { type DeploySummary, deploy, type KubeObject, objectKey, renderApp } from '../../src/k8s/index.ts';
import { parseManifest } from '../../src/manifest/index.ts';

const APP = parseManifest(
  `apiVersion: wasmkube.dev/v1alpha1
name: fb
kubernetes: { namespace: fb, registry: r.example/acme, tag: "1" }
services:
  api:
    source: api.wasm
    routes: ["/api"]
    kubernetes:
      replicas: 3
      autoscaling: { minReplicas: 2, maxReplicas: 5 }
      resources: { limits: { memory: 256Mi } }
`,
  'wasmkube.yaml',
);

const FAILED_SCHEDULING = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'api-1.1', namespace: 'fb' },
  type: 'Warning',
  reason: 'FailedScheduling',
  message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
  lastTimestamp: '2026-01-01T00:00:02Z',
  involvedObject: { kind: 'Pod', name: 'api-7d9f-abcde' },
};
const NO_RUNTIME = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'api-2.1', namespace: 'fb' },
  type: 'Warning',
  reason: 'FailedCreatePodSandBox',
  message: 'Failed to create pod sandbox: no runtime for "wasmtime" is configured',
  lastTimestamp: '2026-01-01T00:00:03Z',
  involvedObject: { kind: 'Pod', name: 'api-7d9f-fghij' },
};
const PODS = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api-7d9f-abcde', namespace: 'fb' },
    status: {
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes' }],
    },
  },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-7d9f-fghij', namespace: 'fb' }, status: {} },
];

/** A cluster that stores what is applied (merging partial applies) and never makes a pod ready. */
function memoryCluster() {
  const store = new Map<string, KubeObject>();
  const applies: { key: string; manager: string; replicas?: number }[] = [];
  const lists: string[] = [];
  const cluster: Cluster = {
    where: 'memory',
    async apply(obj, _dryRun, manager = 'wasmkube') {
      const key = objectKey(obj);
      const spec = (obj as { spec?: { replicas?: number } }).spec;
      applies.push({ key, manager, ...(spec?.replicas === undefined ? {} : { replicas: spec.replicas }) });
      const before = store.get(key) as { spec?: object } | undefined;
      const merged = { ...before, ...obj, spec: { ...before?.spec, ...(obj as { spec?: object }).spec } };
      store.set(key, merged as KubeObject);
      return merged as KubeObject;
    },
    async read(obj) {
      return store.get(objectKey(obj as KubeObject));
    },
    async list(_v, kind, _ns, selector) {
      lists.push(`${kind} ${selector}`);
      if (kind === 'Pod') return PODS;
      if (kind === 'Event') return [FAILED_SCHEDULING, NO_RUNTIME];
      return [];
    },
    async delete() {
      return true;
    },
  };
  return { cluster, store, applies, lists };
}

describe('deploy on a cluster where the pods never become ready', () => {
  it('reports the summary, creates the HPA target at minReplicas, and says why each workload waits', async () => {
    const { cluster, applies, lists } = memoryCluster();
    let summary: DeploySummary | undefined;
    const lines: string[] = [];
    const err = await deploy(APP, {
      cluster,
      timeoutMs: 1,
      progress: (l) => lines.push(l),
      onApplied: (s) => {
        summary = s;
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isWasmkubeError(err) && err.code === 'K8S_ROLLOUT', String(err));
    assert.ok(summary, 'the summary was handed over before the wait failed');
    assert.ok(summary.created.includes('Deployment fb/api'), summary.created.join());
    assert.match(err.message, /Deployment fb\/api: /);
    assert.match(err.message, /FailedCreatePodSandBox: .*no runtime for "wasmtime" is configured/);
    assert.match(err.message, /FailedScheduling: 0\/1 nodes are available: 1 node\(s\) didn't match/);
    assert.match(err.fix ?? '', /runtime\.wasmkube\.dev\/NAME=true/);
    assert.ok(
      lists.some((l) => l.startsWith('Pod app.kubernetes.io/')),
      lists.join('; '),
    );

    const deployment = applies.filter((a) => a.key === 'apps/Deployment fb/api');
    assert.deepEqual(
      deployment.map((a) => [a.manager, a.replicas]),
      [
        ['wasmkube', undefined],
        [INITIAL_REPLICAS_MANAGER, 2],
      ],
      'created without replicas by wasmkube, then sized to minReplicas by its own field manager',
    );
    assert.ok(
      lines.some((l) => /replicas: 3 is ignored: autoscaling sizes this workload, starting at 2/.test(l)),
    );
  });

  it('a second deploy does not touch replicas again (the HPA owns them after creation)', async () => {
    const { cluster, applies } = memoryCluster();
    await deploy(APP, { cluster, wait: false });
    applies.length = 0;
    await deploy(APP, { cluster, wait: false });
    assert.ok(!applies.some((a) => a.manager === INITIAL_REPLICAS_MANAGER));
  });
});

describe('why not ready (pure)', () => {
  const objects = renderApp(APP);
  const deployment = objects.find((o) => o.kind === 'Deployment')!;

  it('selects the pods by the workload selector, and Knative revision pods by service', () => {
    assert.match(podSelector(deployment) ?? '', /app\.kubernetes\.io\/name=api/);
    const ksvc = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'fn' } };
    assert.equal(podSelector(ksvc), 'serving.knative.dev/service=fn');
  });

  it('newest Warning first, then the pod status; events of other pods are not blamed', () => {
    const other = { ...FAILED_SCHEDULING, involvedObject: { kind: 'Pod', name: 'other-pod' }, message: 'x' };
    const reasons = notReadyReasons(deployment, PODS, [FAILED_SCHEDULING, NO_RUNTIME, other]);
    assert.match(reasons[0]!, /^FailedCreatePodSandBox/);
    assert.match(reasons[1]!, /^FailedScheduling/);
    assert.match(reasons[2]!, /^Unschedulable: 0\/1 nodes \(Pod api-7d9f-abcde\)/);
    assert.equal(reasons.length, 3);
  });

  it('a Knative Service without status says the controller is missing', () => {
    const ksvc = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'fn' } };
    assert.match(notReadyReasons(ksvc, [], [])[0]!, /Knative Serving installed and its controller running/);
  });

  it('initialReplicas: the HPA minimum above 1, nothing without a scaler', () => {
    assert.equal(initialReplicas(deployment, objects), 2);
    assert.equal(
      initialReplicas(
        deployment,
        objects.filter((o) => o.kind !== 'HorizontalPodAutoscaler'),
      ),
      undefined,
    );
  });
});
