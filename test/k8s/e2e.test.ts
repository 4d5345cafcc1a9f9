// End to end against a real cluster: apply, read back, server dry run, prune, status and delete. Runs
// only when WASMKUBE_E2E_KUBECONFIG names a kubeconfig (a kind or k3d cluster will do); skipped otherwise.

/** biome-ignore-all lint/suspicious/noExplicitAny: reads fields of live objects by path. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APPLYSET_PART_OF } from '../../src/k8s/deploy/applyset.ts';
import { connect } from '../../src/k8s/deploy/client.ts';
import { deleteApp } from '../../src/k8s/deploy/delete.ts';
import { deploy } from '../../src/k8s/deploy/deploy.ts';
import { status } from '../../src/k8s/deploy/status.ts';
import { parseManifest } from '../../src/manifest/index.ts';

const KUBECONFIG = process.env.WASMKUBE_E2E_KUBECONFIG;

// Core kinds only, so any cluster runs it; a public image that serves HTTP stands in for the host.
const manifest = (services: string) => `apiVersion: wasmkube.dev/v1alpha1
name: e2e
kubernetes:
  namespace: wasmkube-e2e
  registry: docker.io/library
  ingress: false
services:
${services}`;
const svc = (name: string) =>
  `  ${name}:\n    source: ${name}.wasm\n    routes: ["/${name}"]\n    kubernetes: { networkPolicy: false, resources: { requests: { cpu: 10m, memory: 16Mi } } }\n`;

test('deploy, read back, dry run, prune, status and delete on a cluster', { timeout: 600_000 }, async (t) => {
  if (KUBECONFIG === undefined) {
    t.skip(
      'WASMKUBE_E2E_KUBECONFIG is not set: no Kubernetes API server to test against (set it to a kubeconfig of a throwaway cluster)',
    );
    return;
  }
  const cluster = await connect({ kubeconfig: KUBECONFIG });
  const two = parseManifest(manifest(svc('alpha') + svc('beta')), 'e2e.yaml');
  const one = parseManifest(manifest(svc('alpha')), 'e2e.yaml');
  const base = { cluster, wait: false } as const;
  try {
    const first = await deploy(two, base);
    assert.ok(first.created.includes('Deployment wasmkube-e2e/alpha'));
    const live = await cluster.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'beta', namespace: 'wasmkube-e2e' },
    });
    assert.equal(live?.metadata.labels?.[APPLYSET_PART_OF], first.applySetId);
    assert.equal((live as any).spec.template.spec.containers[0].args.at(-1), 'beta');

    const again = await deploy(two, base);
    assert.equal(again.created.length, 0);
    assert.ok(again.unchanged.includes('Deployment wasmkube-e2e/alpha'), 'a second apply changes nothing');

    const dry = await deploy(one, { ...base, dryRun: true, prune: true });
    assert.ok(dry.pruned.includes('Deployment wasmkube-e2e/beta'));
    assert.ok(
      await cluster.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'beta', namespace: 'wasmkube-e2e' },
      }),
      'a dry run deletes nothing',
    );

    const pruned = await deploy(one, { ...base, prune: true });
    assert.deepEqual([...pruned.pruned].sort(), [
      'Deployment wasmkube-e2e/beta',
      'Service wasmkube-e2e/beta',
    ]);
    const rows = await status(one, { cluster });
    assert.equal(rows[0]?.workload, 'Deployment wasmkube-e2e/alpha');
  } finally {
    await deleteApp(two, { cluster, includeNamespace: true });
  }
});
