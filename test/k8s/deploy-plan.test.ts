// The deploy logic that needs no cluster, as pure functions: apply order, ApplySet ids and labels, the
// prune set, rollout states, the change summary, deletion order and status rows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  APPLYSET_KINDS,
  APPLYSET_PART_OF,
  applySet,
  applySetGroupKind,
  applySetId,
  parentKinds,
  pruneSet,
} from '../../src/k8s/deploy/applyset.ts';
import { deletesKind, deletionOrder } from '../../src/k8s/deploy/delete.ts';
import { listTargets } from '../../src/k8s/deploy/deploy.ts';
import { formatSummary, rolloutState, summarize } from '../../src/k8s/deploy/plan.ts';
import { formatStatus, statusRows } from '../../src/k8s/deploy/status.ts';
import { type KubeObject, renderApp, sortObjects } from '../../src/k8s/index.ts';
import { renderContext } from '../../src/k8s/render/context.ts';
import { loadManifest } from '../../src/manifest/index.ts';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));
/** One service per mode, Knative included (the shop has none: its stateful services need volumes). */
const MODES = fileURLToPath(new URL('./fixtures/modes.yaml', import.meta.url));
const obj = (apiVersion: string, kind: string, name: string, namespace?: string, extra = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
  ...extra,
});

describe('apply order', () => {
  it('puts Namespaces, CRDs and RuntimeClasses first, gateways last', () => {
    const sorted = sortObjects([
      obj('networking.k8s.io/v1', 'Ingress', 'a', 'ns'),
      obj('apps/v1', 'Deployment', 'b', 'ns'),
      obj('node.k8s.io/v1', 'RuntimeClass', 'wasmtime'),
      obj('v1', 'Service', 'b', 'ns'),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'x.example.com'),
      obj('example.com/v1', 'Unknown', 'z', 'ns'),
      obj('v1', 'Namespace', 'ns'),
      obj('apps/v1', 'Deployment', 'a', 'ns'),
    ]);
    assert.deepEqual(
      sorted.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        'Namespace/ns',
        'CustomResourceDefinition/x.example.com',
        'RuntimeClass/wasmtime',
        'Service/b',
        'Deployment/a',
        'Deployment/b',
        'Ingress/a',
        'Unknown/z',
      ],
    );
  });

  it('tells the core Service from the Knative Service', () => {
    const sorted = sortObjects([
      obj('serving.knative.dev/v1', 'Service', 'a', 'n'),
      obj('v1', 'Service', 'a', 'n'),
    ]);
    assert.deepEqual(
      sorted.map((o) => o.apiVersion),
      ['v1', 'serving.knative.dev/v1'],
    );
  });
});

describe('ApplySet', () => {
  it('has the KEP id format, stable per parent and different across parents', () => {
    const id = applySetId('shop-applyset', 'shop');
    assert.match(id, /^applyset-[A-Za-z0-9_-]{43}-v1$/);
    assert.equal(applySetId('shop-applyset', 'shop'), id);
    assert.notEqual(applySetId('shop-applyset', 'other'), id);
  });

  it('labels every member and records the group-kinds on the parent', async () => {
    const { app } = await loadManifest(MODES);
    const objects = renderApp(app, { registry: 'r.example' });
    const set = applySet(app.name, 'modes', objects, '1.0.0', ['Widget.example.com']);
    assert.equal(set.members.length, objects.length);
    for (const m of set.members) assert.equal(m.metadata.labels?.[APPLYSET_PART_OF], set.id);
    assert.equal(set.parent.kind, 'Secret');
    assert.equal(set.parent.metadata.labels?.['applyset.kubernetes.io/id'], set.id);
    const kinds = parentKinds(set.parent);
    assert.ok(kinds.includes('Deployment.apps'));
    assert.ok(kinds.includes('Service'));
    assert.ok(kinds.includes('Service.serving.knative.dev'));
    assert.ok(kinds.includes('Widget.example.com'), 'kinds from the previous parent are kept for pruning');
    assert.deepEqual(kinds, [...kinds].sort());
    assert.equal(set.parent.metadata.annotations?.[APPLYSET_KINDS], kinds.join(','));
    assert.equal(applySetGroupKind(obj('v1', 'ConfigMap', 'x')), 'ConfigMap');
  });

  it('prunes only live members of this set that are no longer rendered', () => {
    const id = 'applyset-abc-v1';
    const mine = (o: KubeObject) => ({
      ...o,
      metadata: { ...o.metadata, labels: { [APPLYSET_PART_OF]: id } },
    });
    const wanted = [obj('apps/v1', 'Deployment', 'orders', 'shop')];
    const live = [
      mine(obj('apps/v1', 'Deployment', 'orders', 'shop')),
      mine(obj('apps/v1', 'Deployment', 'old', 'shop')),
      mine(obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'orders', 'shop')),
      obj('apps/v1', 'Deployment', 'someone-elses', 'shop'),
      {
        ...obj('apps/v1', 'Deployment', 'other-set', 'shop'),
        metadata: { name: 'x', labels: { [APPLYSET_PART_OF]: 'applyset-zzz-v1' } },
      },
    ];
    assert.deepEqual(
      pruneSet(id, wanted, live).map((o) => `${o.kind}/${o.metadata.name}`),
      ['Deployment/old', 'HorizontalPodAutoscaler/orders'],
    );
  });
});

describe('prune look-ups', () => {
  it('finds every kind wasmkube renders even once the app no longer renders it', async () => {
    const rendered = [
      ...renderApp((await loadManifest(SHOP)).app),
      ...renderApp(
        (await loadManifest(fileURLToPath(new URL('./fixtures/options.yaml', import.meta.url)))).app,
      ),
    ];
    const kinds = [...new Set(rendered.map(applySetGroupKind))].sort();
    // Nothing rendered now: versions come from what wasmkube renders each kind at.
    const targets = listTargets(kinds, [], 'shop');
    assert.equal(targets.length, kinds.length);
    for (const t of targets) {
      const same = rendered.find((o) => o.kind === t.kind && o.apiVersion === t.apiVersion);
      assert.ok(same, `${t.kind} listed at ${t.apiVersion}, which wasmkube does not render`);
      assert.equal(t.namespace, same.metadata.namespace === undefined ? undefined : 'shop');
    }
    assert.deepEqual(listTargets(['Widget.example.com'], [], 'shop'), [], 'unknown kinds are left alone');
  });
});

describe('rollouts', () => {
  const deployment = (spec: number, status: Record<string, unknown>, generation = 2) =>
    obj('apps/v1', 'Deployment', 'd', 'n', {
      spec: { replicas: spec },
      status,
      metadata: { name: 'd', generation },
    });

  it('waits for the controller, updated, old and available pods, like kubectl rollout status', () => {
    assert.deepEqual(rolloutState(deployment(3, { observedGeneration: 1 })), {
      done: false,
      message: 'waiting for the controller to see the new spec',
    });
    assert.equal(
      rolloutState(deployment(3, { observedGeneration: 2, updatedReplicas: 1 })).message,
      '1/3 updated',
    );
    assert.equal(
      rolloutState(deployment(3, { observedGeneration: 2, updatedReplicas: 3, replicas: 4 })).message,
      '1 old pods terminating',
    );
    assert.equal(
      rolloutState(
        deployment(3, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 }),
      ).message,
      '2/3 ready',
    );
    assert.deepEqual(
      rolloutState(
        deployment(3, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }),
      ),
      { done: true, message: '3/3 ready' },
    );
  });

  it('reads a Knative Service from its Ready condition', () => {
    const ksvc = (status: string) =>
      obj('serving.knative.dev/v1', 'Service', 'c', 'n', {
        metadata: { name: 'c', generation: 1 },
        status: {
          observedGeneration: 1,
          url: 'http://c.n.example.com',
          conditions: [{ type: 'Ready', status, reason: 'RevisionMissing' }],
        },
      });
    assert.deepEqual(rolloutState(ksvc('True')), { done: true, message: 'ready at http://c.n.example.com' });
    assert.deepEqual(rolloutState(ksvc('Unknown')), { done: false, message: 'RevisionMissing' });
  });
});

describe('summary, deletion and status', () => {
  it('counts created, configured, unchanged and pruned objects, by content not resourceVersion', () => {
    const live = (name: string, replicas: number, rv: string) =>
      obj('apps/v1', 'Deployment', name, 'n', {
        metadata: {
          name,
          namespace: 'n',
          resourceVersion: rv,
          generation: Number(rv),
          managedFields: [{ time: rv }],
        },
        spec: { replicas },
        status: { readyReplicas: Number(rv) },
      });
    const s = summarize(
      [
        { object: obj('v1', 'Service', 'a', 'n'), before: undefined, after: obj('v1', 'Service', 'a', 'n') },
        {
          object: obj('apps/v1', 'Deployment', 'a', 'n'),
          before: live('a', 1, '3'),
          after: live('a', 2, '3'),
        },
        {
          object: obj('apps/v1', 'Deployment', 'c', 'n'),
          before: live('c', 1, '4'),
          after: live('c', 1, '9'),
        },
      ],
      [obj('apps/v1', 'Deployment', 'old', 'n')],
    );
    assert.equal(
      formatSummary(s, false),
      '1 created, 1 configured, 1 unchanged, 1 pruned\n  created: Service n/a\n  configured: Deployment n/a\n  pruned: Deployment n/old',
    );
    assert.match(formatSummary(s, true), /^\(server dry run\) /);
  });

  it('deletes in reverse apply order, once each, keeping the Namespace unless asked', () => {
    const id = 'applyset-abc-v1';
    const mine = { metadata: { labels: { [APPLYSET_PART_OF]: id } } };
    const member = (apiVersion: string, kind: string, name: string, namespace?: string) => {
      const o = obj(apiVersion, kind, name, namespace);
      return { ...o, metadata: { ...o.metadata, ...mine.metadata } };
    };
    const objects = [
      member('v1', 'Namespace', 'n'),
      member('apps/v1', 'Deployment', 'a', 'n'),
      member('v1', 'Service', 'a', 'n'),
    ];
    const none = { includeNamespace: false, includeClusterScoped: false };
    assert.deepEqual(
      deletionOrder(id, [...objects, objects[1] as KubeObject], none).map((o) => o.kind),
      ['Deployment', 'Service'],
    );
    assert.deepEqual(
      deletionOrder(id, objects, { ...none, includeNamespace: true }).map((o) => o.kind),
      ['Deployment', 'Service', 'Namespace'],
    );
  });

  it('deletes only objects labelled with the app ApplySet id, never a same-named object of another app', () => {
    const id = 'applyset-mine-v1';
    const labelled = (o: KubeObject, set: string | undefined): KubeObject => ({
      ...o,
      metadata: { ...o.metadata, labels: set === undefined ? {} : { [APPLYSET_PART_OF]: set } },
    });
    const live = [
      labelled(obj('apps/v1', 'Deployment', 'orders', 'shop'), id),
      labelled(obj('apps/v1', 'Deployment', 'orders', 'other'), 'applyset-theirs-v1'),
      labelled(obj('v1', 'Service', 'orders', 'shop'), undefined),
    ];
    const none = { includeNamespace: false, includeClusterScoped: false };
    assert.deepEqual(
      deletionOrder(id, live, none).map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
      ['shop/orders'],
    );
  });

  it('keeps shared cluster-scoped kinds (RuntimeClass, Shim, CRDs) unless asked', () => {
    const id = 'applyset-mine-v1';
    const labels = { [APPLYSET_PART_OF]: id };
    const live: KubeObject[] = [
      { ...obj('node.k8s.io/v1', 'RuntimeClass', 'wasmtime'), metadata: { name: 'wasmtime', labels } },
      { ...obj('runtime.spinkube.dev/v1alpha1', 'Shim', 'spin'), metadata: { name: 'spin', labels } },
      {
        ...obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'x.example.com'),
        metadata: { name: 'x.example.com', labels },
      },
      { ...obj('apps/v1', 'Deployment', 'a', 'n'), metadata: { name: 'a', namespace: 'n', labels } },
    ];
    const none = { includeNamespace: false, includeClusterScoped: false };
    assert.deepEqual(
      deletionOrder(id, live, none).map((o) => o.kind),
      ['Deployment'],
    );
    assert.deepEqual(
      deletionOrder(id, live, { ...none, includeClusterScoped: true })
        .map((o) => o.kind)
        .sort(),
      ['CustomResourceDefinition', 'Deployment', 'RuntimeClass', 'Shim'],
    );
    assert.equal(deletesKind('RuntimeClass.node.k8s.io', none), false);
    assert.equal(deletesKind('Namespace', none), false);
    assert.equal(deletesKind('Deployment.apps', none), true);
  });

  it('status rows give each service its workload, readiness and URL', async () => {
    const { app } = await loadManifest(SHOP);
    const ctx = renderContext(app);
    const live = new Map<string, KubeObject | undefined>([
      [
        'orders',
        obj('apps/v1', 'Deployment', 'orders', 'shop', {
          metadata: { name: 'orders', generation: 1 },
          spec: { replicas: 3 },
          status: {
            observedGeneration: 1,
            replicas: 3,
            updatedReplicas: 3,
            readyReplicas: 2,
            availableReplicas: 2,
          },
        }),
      ],
      [
        'payments',
        obj('apps/v1', 'StatefulSet', 'payments', 'shop', {
          metadata: { name: 'payments', generation: 1 },
          spec: { replicas: 1 },
          status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1 },
        }),
      ],
    ]);
    const rows = statusRows(ctx, live);
    assert.deepEqual(
      rows.map((r) => [r.service, r.workload, r.ready, r.url]),
      [
        ['catalog', 'Deployment shop/catalog', '-', 'http://shop.example.com/catalog'],
        ['inventory', 'StatefulSet shop/inventory', '-', 'http://shop.example.com/inventory'],
        ['orders', 'Deployment shop/orders', '2/3', 'http://shop.example.com/orders'],
        ['payments', 'StatefulSet shop/payments', '1/1', 'http://shop.example.com/payments'],
      ],
    );
    // A Knative Service reports its own URL and Ready condition.
    const modes = renderContext((await loadManifest(MODES)).app, { registry: 'r.example' });
    const ksvc = obj('serving.knative.dev/v1', 'Service', 'fn', 'modes', {
      metadata: { name: 'fn', generation: 1 },
      status: {
        observedGeneration: 1,
        url: 'https://fn.modes.example.com',
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
    const fn = statusRows(modes, new Map([['fn', ksvc]])).find((r) => r.service === 'fn')!;
    assert.deepEqual(
      [fn.workload, fn.ready, fn.url],
      ['ksvc modes/fn', 'ready', 'https://fn.modes.example.com'],
    );
    const table = formatStatus(rows).split('\n');
    assert.match(table[0] as string, /^SERVICE\s+MODE\s+WORKLOAD\s+READY\s+URL\s+STATUS$/);
    assert.match(
      table[3] as string,
      /^orders\s+container\s+Deployment shop\/orders\s+2\/3\s+http:\/\/shop\.example\.com\/orders\s+2\/3 ready$/,
    );
  });
});
