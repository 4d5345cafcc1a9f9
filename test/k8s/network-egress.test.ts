// NetworkPolicy egress from allowedOutboundHosts: DNS always, the app's named services by pod
// selector (every cluster spelling and Spin's), other hosts by port, nothing else; each object valid.

/** biome-ignore-all lint/suspicious/noExplicitAny: tests walk rendered objects by path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type KubeObject, renderApp, validationProblems } from '../../src/k8s/index.ts';
import { parseManifest } from '../../src/manifest/index.ts';

async function render(yaml: string): Promise<KubeObject[]> {
  return renderApp(parseManifest(yaml, '/tmp/eg/wasmkube.yaml'), {});
}

function egressOf(objects: KubeObject[], name: string): any[] {
  const np: any = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name);
  assert.ok(np, `no NetworkPolicy ${name}`);
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  return np.spec.egress;
}

const APP = `apiVersion: wasmkube.dev/v1alpha1
name: eg
kubernetes: { namespace: shop, registry: ghcr.io/acme }
services:
  orders:
    source: o.wasm
    routes: ["/orders"]
    allowedOutboundHosts:
      - http://payments
      - http://inventory.spin.internal
      - https://api.stripe.com
      - https://*.example.com:8443
      - http://localhost:9000..9010
  payments: { source: p.wasm, routes: ["/payments"], allowedOutboundHosts: ["http://ledger.shop.svc.cluster.local"] }
  inventory: { source: i.wasm, routes: ["/inventory"] }
  ledger: { source: l.wasm, routes: ["/ledger"], allowedOutboundHosts: ["*://*:*"] }
`;

describe('NetworkPolicy egress', () => {
  it('DNS, named services by pod selector and external hosts by port', async () => {
    const objects = await render(APP);
    assert.deepEqual(await validationProblems(objects), []);
    const egress = egressOf(objects, 'orders');
    assert.deepEqual(egress[0].ports, [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    assert.equal(egress[0].to[0].podSelector.matchLabels['k8s-app'], 'kube-dns');
    const peers = egress
      .filter((r) => r.to?.[0]?.podSelector?.matchLabels['app.kubernetes.io/name'])
      .map((r) => r.to[0].podSelector.matchLabels['app.kubernetes.io/name']);
    assert.deepEqual(
      peers.filter((n: string) => n !== 'kube-dns'),
      ['inventory', 'payments'],
    );
    assert.deepEqual(egress.at(-1), {
      ports: [
        { port: 443, protocol: 'TCP' },
        { port: 8443, protocol: 'TCP' },
        { port: 9000, protocol: 'TCP', endPort: 9010 },
      ],
    });
  });

  it('a full cluster name reaches the service; no list means DNS only; *://*:* means any egress', async () => {
    const objects = await render(APP);
    const payments = egressOf(objects, 'payments');
    assert.equal(payments.length, 2);
    assert.equal(payments[1].to[0].podSelector.matchLabels['app.kubernetes.io/name'], 'ledger');
    assert.equal(egressOf(objects, 'inventory').length, 1, 'DNS only');
    const ledger = egressOf(objects, 'ledger');
    assert.deepEqual(ledger.at(-1), {}, 'any destination, any port');
    // ...and ledger's ingress admits payments, the service that names it.
    const np: any = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'ledger');
    const from = np.spec.ingress[0].from.map(
      (f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'],
    );
    assert.ok(from.includes('payments'));
  });
});
