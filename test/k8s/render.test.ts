// Rendering each mode, each optional resource and each override: snapshot files of the YAML, every
// object validated against its official schema, and the guide's rules asserted on the objects.

/** biome-ignore-all lint/suspicious/noExplicitAny: tests walk rendered objects by path; a typed walk would only restate the Kubernetes schemas. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type KubeObject, renderApp, toYamlStream, validationProblems } from '../../src/k8s/index.ts';
import { loadManifest, parseManifest } from '../../src/manifest/index.ts';
import { matchSnapshot } from './snapshot.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.yaml`, import.meta.url));
const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));

async function render(path: string, opts: { env?: string; registry?: string; tag?: string } = {}) {
  const { app } = await loadManifest(path);
  return renderApp(app, opts);
}

function find(objects: readonly KubeObject[], kind: string, name: string, apiVersion?: string): any {
  const found = objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (apiVersion === undefined || o.apiVersion === apiVersion),
  );
  assert.ok(found, `no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

const CASES: readonly {
  name: string;
  path: string;
  opts?: { env?: string; registry?: string; tag?: string };
}[] = [
  { name: 'modes.yaml', path: fixture('modes'), opts: { registry: 'registry.example.com/team' } },
  { name: 'options.yaml', path: fixture('options') },
  { name: 'overrides.yaml', path: fixture('overrides') },
  { name: 'overrides-prod.yaml', path: fixture('overrides'), opts: { env: 'prod' } },
  { name: 'shop.yaml', path: SHOP },
  { name: 'shop-prod.yaml', path: SHOP, opts: { env: 'prod' } },
];

describe('k8s render snapshots', () => {
  for (const c of CASES) {
    it(`${c.name}: matches its snapshot and every object validates`, async () => {
      const objects = await render(c.path, c.opts);
      const yaml = toYamlStream(objects);
      await matchSnapshot(c.name, yaml);
      assert.deepEqual(await validationProblems(objects), []);
      // The YAML reads back to the same objects.
      const docs = parseAllDocuments(yaml).map((d) => d.toJS());
      assert.deepEqual(docs, JSON.parse(JSON.stringify(objects)));
    });
  }

  it('is deterministic: the same manifest renders the same bytes', async () => {
    const a = toYamlStream(await render(fixture('options')));
    const b = toYamlStream(await render(fixture('options')));
    assert.equal(a, b);
  });
});

describe('k8s render modes', () => {
  it('container: the wasmkube image runs one service, hardened, with the guide defaults', async () => {
    const objects = await render(fixture('modes'), { registry: 'registry.example.com/team', tag: '1.2.3' });
    const d = find(objects, 'Deployment', 'web');
    const c = d.spec.template.spec.containers[0];
    assert.equal(c.image, 'registry.example.com/team/modes:1.2.3');
    assert.deepEqual(c.args, ['up', '/app', '--listen', '0.0.0.0:8080', '--service', 'web']);
    assert.deepEqual(c.ports, [{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
    assert.equal(c.livenessProbe.httpGet.path, '/health');
    assert.equal(c.readinessProbe.httpGet.path, '/ready');
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
    assert.deepEqual(c.volumeMounts[0], { mountPath: '/tmp', name: 'tmp' });
    assert.deepEqual(d.spec.strategy, {
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      type: 'RollingUpdate',
    });
    // host.shutdown defaults: drainDelay 5s + gracePeriod 30s, plus 5s.
    assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 40);
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.metadata.labels['app.kubernetes.io/managed-by'], 'wasmkube');
    assert.equal(d.metadata.labels['app.kubernetes.io/part-of'], 'modes');
    assert.equal(d.metadata.labels['app.kubernetes.io/version'], '1.2.3');
    assert.deepEqual(d.spec.selector.matchLabels, {
      'app.kubernetes.io/instance': 'modes-web',
      'app.kubernetes.io/name': 'web',
    });
    const svc = find(objects, 'Service', 'web', 'v1');
    assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
    assert.equal(
      find(objects, 'Namespace', 'modes').metadata.labels['pod-security.kubernetes.io/enforce'],
      'restricted',
    );
  });

  it('wasm: the service artifact under a RuntimeClass, with the RuntimeClass and its node set-up', async () => {
    const objects = await render(fixture('modes'), { registry: 'registry.example.com/team' });
    const d = find(objects, 'Deployment', 'edge');
    assert.equal(d.spec.template.spec.runtimeClassName, 'wasmtime');
    const c = d.spec.template.spec.containers[0];
    assert.equal(c.image, 'registry.example.com/team/modes-edge:latest');
    assert.equal(c.args, undefined);
    assert.deepEqual(c.livenessProbe.tcpSocket, { port: 'http' });
    const rc = find(objects, 'RuntimeClass', 'wasmtime');
    assert.equal(rc.handler, 'wasmtime');
    assert.match(rc.metadata.annotations['wasmkube.dev/containerd-config'], /runtimes\.wasmtime\]/);
    assert.ok(objects.indexOf(rc) < objects.indexOf(d), 'RuntimeClass is applied before the Deployment');
  });

  it('knative: scale to zero on a concurrency target, no Deployment or Service of ours', async () => {
    const objects = await render(fixture('modes'), { registry: 'r.example' });
    const ksvc = find(objects, 'Service', 'fn', 'serving.knative.dev/v1');
    const ann = ksvc.spec.template.metadata.annotations;
    assert.equal(ann['autoscaling.knative.dev/min-scale'], '0');
    assert.equal(ann['autoscaling.knative.dev/target'], '100');
    assert.equal(ann['autoscaling.knative.dev/metric'], 'concurrency');
    assert.equal(ksvc.spec.template.spec.containers[0].ports[0].name, 'http1');
    assert.equal(ksvc.spec.template.spec.containers[0].readinessProbe.httpGet.port, undefined);
    // The 30 s guest deadline plus room for the host to send its own 504.
    assert.equal(ksvc.spec.template.spec.timeoutSeconds, 35);
    // Ours: the Knative Service and its NetworkPolicy (to the queue-proxy, from Knative's data path).
    assert.deepEqual(
      objects
        .filter((o) => o.metadata.name === 'fn')
        .map((o) => o.kind)
        .sort(),
      ['NetworkPolicy', 'Service'],
    );
    const np = find(objects, 'NetworkPolicy', 'fn');
    for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels))
      assert.equal(ksvc.spec.template.metadata.labels[k], v, `the revision pods carry ${k}`);
    assert.deepEqual(
      np.spec.ingress[0].ports.map((p: { port: number }) => p.port),
      [8012, 8013, 9090, 9091],
    );
    const namespaces = np.spec.ingress[0].from
      .map(
        (f: { namespaceSelector?: { matchLabels: Record<string, string> } }) =>
          f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'],
      )
      .filter(Boolean);
    assert.ok(
      namespaces.includes('knative-serving') && namespaces.includes('kourier-system'),
      namespaces.join(),
    );
  });

  it('stateful: a StatefulSet with a volume per pod at /data and a headless Service', async () => {
    const objects = await render(fixture('modes'), { registry: 'r.example' });
    const sts = find(objects, 'StatefulSet', 'store');
    assert.equal(sts.spec.serviceName, 'store-headless');
    assert.deepEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests, { storage: '1Gi' });
    assert.deepEqual(sts.spec.template.spec.containers[0].volumeMounts[1], {
      mountPath: '/data',
      name: 'data',
    });
    assert.equal(find(objects, 'Service', 'store-headless').spec.clusterIP, 'None');
    const peers = find(objects, 'NetworkPolicy', 'store').spec.ingress[0].from;
    assert.deepEqual(
      peers.at(-1),
      { podSelector: { matchLabels: sts.spec.selector.matchLabels } },
      'peers reach each other',
    );
    // The catch-all route is the Ingress path /.
    const paths = find(objects, 'Ingress', 'modes').spec.rules[0].http.paths;
    assert.deepEqual(
      paths.map((p: any) => [p.path, p.backend.service.name]),
      [
        ['/', 'store'],
        ['/edge', 'edge'],
        ['/web', 'web'],
      ],
    );
  });
});

describe('k8s render optional resources', () => {
  it('a Knative service behind the gateway gets the Host Knative routes by', async () => {
    const app = parseManifest(
      `apiVersion: wasmkube.dev/v1alpha1
name: kn
kubernetes: { registry: r.example, gateway: { parentRefs: [{ name: gw }] } }
services:
  fn: { source: fn.wasm, routes: ["/fn"], kubernetes: { mode: knative } }
  web: { source: web.wasm, routes: ["/web"] }
`,
      'wasmkube.yaml',
    );
    const objects = renderApp(app);
    const ingress = find(objects, 'Ingress', 'kn-fn');
    assert.equal(
      ingress.metadata.annotations['nginx.ingress.kubernetes.io/upstream-vhost'],
      'fn.kn.svc.cluster.local',
    );
    assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend.service, {
      name: 'fn',
      port: { number: 80 },
    });
    assert.deepEqual(
      find(objects, 'Ingress', 'kn').spec.rules[0].http.paths.map((p: any) => p.path),
      ['/web'],
    );
    const rules = find(objects, 'HTTPRoute', 'kn').spec.rules;
    assert.deepEqual(rules[0].filters, [
      { type: 'URLRewrite', urlRewrite: { hostname: 'fn.kn.svc.cluster.local' } },
    ]);
    assert.equal(rules[1].filters, undefined);
    assert.deepEqual(await validationProblems(objects), []);
  });

  it('HPA on CPU and memory, and no replicas on the scaled workload', async () => {
    const shop = find(await render(SHOP), 'HorizontalPodAutoscaler', 'orders');
    // The shop scales on CPU only: a Node.js heap does not shrink after load.
    assert.deepEqual(
      shop.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]),
      [['cpu', 70]],
    );
    const app = parseManifest(
      [
        'apiVersion: wasmkube.dev/v1alpha1',
        'name: shop',
        'kubernetes: { registry: ghcr.io/acme }',
        'services:',
        '  orders:',
        '    source: orders.wasm',
        '    routes: ["/orders"]',
        '    kubernetes:',
        '      resources: { requests: { memory: 128Mi }, limits: { memory: 256Mi } }',
        '      autoscaling: { minReplicas: 2, maxReplicas: 100, cpu: 70, memory: 80 }',
      ].join('\n'),
      'wasmkube.yaml',
    );
    const objects = renderApp(app);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'orders');
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 100);
    assert.deepEqual(
      hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]),
      [
        ['cpu', 70],
        ['memory', 80],
      ],
    );
    assert.equal(find(objects, 'Deployment', 'orders').spec.replicas, undefined);
    assert.equal(find(objects, 'PodDisruptionBudget', 'orders').spec.maxUnavailable, 1);
  });

  it('NetworkPolicy lets in the gateway and the services whose allowedOutboundHosts name this one', async () => {
    const objects = await render(fixture('options'));
    const payments = find(objects, 'NetworkPolicy', 'payments');
    const from = payments.spec.ingress[0].from;
    assert.deepEqual(from[0], {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } },
      podSelector: { matchLabels: { app: 'envoy' } },
    });
    assert.deepEqual(from[1].podSelector.matchLabels['app.kubernetes.io/name'], 'orders');
    assert.deepEqual(from[2], {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
    });
    // orders calls stock by its full cluster name too; legacy is called by nobody.
    assert.equal(find(objects, 'NetworkPolicy', 'legacy').spec.ingress[0].from.length, 1);
    assert.ok(
      !objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'stock'),
      'networkPolicy: false',
    );
  });

  it('Istio canary: two Deployments, weighted VirtualService, DestinationRule subsets, WasmPlugin and EnvoyFilter', async () => {
    const objects = await render(fixture('options'));
    const canary = find(objects, 'Deployment', 'orders-canary');
    assert.equal(canary.spec.template.spec.containers[0].image, '127.0.0.1:5000/acme/options:v2.1.0');
    assert.equal(canary.spec.replicas, 2);
    assert.equal(canary.spec.selector.matchLabels['wasmkube.dev/track'], 'canary');
    assert.equal(
      find(objects, 'Deployment', 'orders').spec.selector.matchLabels['wasmkube.dev/track'],
      'stable',
    );
    const vs = find(objects, 'VirtualService', 'orders');
    assert.deepEqual(
      vs.spec.http[0].route.map((r: any) => [r.destination.subset, r.weight]),
      [
        ['stable', 90],
        ['canary', 10],
      ],
    );
    const dr = find(objects, 'DestinationRule', 'orders');
    assert.deepEqual(
      dr.spec.subsets.map((s: any) => s.name),
      ['stable', 'canary'],
    );
    assert.equal(dr.spec.trafficPolicy.connectionPool.http.http2MaxRequests, 100);
    assert.equal(find(objects, 'WasmPlugin', 'orders').spec.url, 'oci://ghcr.io/acme/auth-filter:1.0');
    const ef = find(objects, 'EnvoyFilter', 'payments');
    assert.equal(
      ef.spec.configPatches[0].patch.value.typed_config.value.config.vm_config.code.local.filename,
      '/etc/envoy-wasm/filter.wasm',
    );
    assert.equal(find(objects, 'PodDisruptionBudget', 'orders').spec.minAvailable, '50%');
  });

  it('KEDA, Gateway API, ServiceMonitor, Fluent Bit, Shim, ConfigMap and Secret references', async () => {
    const objects = await render(fixture('options'));
    const so = find(objects, 'ScaledObject', 'payments');
    assert.equal(so.spec.minReplicaCount, 0);
    assert.deepEqual(so.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments' });
    assert.equal(find(objects, 'Deployment', 'payments').spec.replicas, undefined);
    const route = find(objects, 'HTTPRoute', 'options');
    assert.deepEqual(
      route.spec.rules.map((r: any) => r.matches[0].path.value),
      ['/legacy', '/orders', '/payments', '/stock'],
    );
    assert.equal(route.spec.rules[1].backendRefs[0].port, 8081);
    assert.equal(find(objects, 'ServiceMonitor', 'payments').spec.endpoints[0].interval, '10s');
    assert.equal(find(objects, 'ServiceMonitor', 'orders').spec.endpoints[0].path, '/metrics');
    assert.ok(!objects.some((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'legacy'));
    const conf = find(objects, 'ConfigMap', 'options-fluent-bit').data['fluent-bit.conf'];
    assert.match(conf, /Path \/var\/log\/containers\/\*_opts_\*\.log/);
    assert.match(conf, /Host es\.logging\.svc\n {4}Port 9243/);
    const shim = find(objects, 'Shim', 'spin');
    assert.deepEqual(shim.spec.runtimeClass, { handler: 'spin', name: 'spin' });
    assert.ok(
      !objects.some((o) => o.kind === 'RuntimeClass' && o.metadata.name === 'spin'),
      'the Shim makes it',
    );
    assert.deepEqual(
      find(objects, 'Deployment', 'stock').spec.template.spec.containers[0].env,
      [
        { name: 'A_FIRST', value: '1' },
        { name: 'MODE', value: 'fast' },
      ],
      'in wasm mode the shim hands the container env to the guest',
    );
    const c = find(objects, 'Deployment', 'orders').spec.template.spec.containers[0];
    assert.deepEqual(c.envFrom, [
      { configMapRef: { name: 'orders-config' } },
      { secretRef: { name: 'orders-secrets' } },
    ]);
    assert.deepEqual(
      c.env.map((e: any) => [e.name, Object.keys(e.valueFrom)[0]]),
      [
        ['DB_PASSWORD', 'secretKeyRef'],
        ['REGION', 'configMapKeyRef'],
      ],
    );
    // drainDelay 2s + gracePeriod 10.5s, rounded up, plus 5s.
    assert.equal(find(objects, 'Deployment', 'orders').spec.template.spec.terminationGracePeriodSeconds, 18);
    const ingress = find(objects, 'Ingress', 'options');
    assert.deepEqual(ingress.spec.tls, [{ hosts: ['api.example.com'], secretName: 'api-tls' }]);
    assert.equal(find(objects, 'Service', 'orders', 'v1').spec.type, 'LoadBalancer');
  });
});

describe('k8s render overrides', () => {
  it('podTemplate passes through nodeSelector, tolerations, affinity, env, sidecars and replaces defaults', async () => {
    const objects = await render(fixture('overrides'));
    const d = find(objects, 'Deployment', 'api');
    const pod = d.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { pool: 'wasm' });
    assert.equal(pod.tolerations[0].key, 'wasm');
    assert.ok(pod.affinity.podAntiAffinity);
    assert.deepEqual(
      pod.containers.map((c: any) => c.name),
      ['api', 'proxy'],
    );
    assert.equal(pod.initContainers[0].name, 'warm');
    assert.equal(
      pod.containers[1].securityContext.runAsNonRoot,
      true,
      'sidecars are hardened for Pod Security',
    );
    assert.equal(pod.initContainers[0].securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.serviceAccountName, 'api');
    assert.equal(pod.automountServiceAccountToken, true);
    assert.equal(pod.securityContext.runAsUser, 1000);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', 'defaults not overridden stay');
    assert.equal(pod.terminationGracePeriodSeconds, 90);
    const c = pod.containers[0];
    assert.equal(c.livenessProbe, undefined);
    assert.equal(c.readinessProbe.periodSeconds, 1);
    assert.equal(c.securityContext.runAsUser, 1000);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(
      c.env.map((e: any) => e.name),
      ['LOG_LEVEL', 'NODE_NAME'],
    );
    assert.deepEqual(c.resources, {
      limits: { cpu: '2', memory: '512Mi' },
      requests: { cpu: '250m', memory: '96Mi' },
    });
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
    assert.equal(d.spec.template.metadata.labels.team, 'checkout');
    assert.equal(d.spec.template.metadata.annotations['prometheus.io/scrape'], 'false');
    assert.deepEqual(find(objects, 'HorizontalPodAutoscaler', 'api').spec.metrics[0].resource.name, 'memory');
    const sts = find(objects, 'StatefulSet', 'db');
    assert.deepEqual(sts.spec.volumeClaimTemplates[0].spec, {
      accessModes: ['ReadWriteOncePod'],
      resources: { requests: { storage: '50Gi' } },
      storageClassName: 'fast-ssd',
    });
    assert.equal(find(objects, 'Service', 'db', 'v1').spec.ports[0].port, 5432);
    const ksvc = find(objects, 'Service', 'jobs', 'serving.knative.dev/v1');
    assert.equal(ksvc.spec.template.metadata.annotations['autoscaling.knative.dev/max-scale'], '50');
    assert.equal(ksvc.spec.template.spec.tolerations[0].key, 'burst');
    assert.ok(!objects.some((o) => o.kind === 'Ingress'), 'ingress: false');
    assert.ok(!objects.some((o) => o.kind === 'Namespace'), 'the default namespace is not rendered');
  });

  it('--env merges the environment over the base', async () => {
    const objects = await render(fixture('overrides'), { env: 'prod' });
    const d = find(objects, 'Deployment', 'api');
    assert.equal(d.metadata.namespace, 'tuned-prod');
    assert.equal(d.spec.template.spec.containers[0].image, 'registry.acme.com/prod/tuned:3.1.4');
    assert.deepEqual(d.spec.template.spec.nodeSelector, { pool: 'prod' });
    assert.equal(d.spec.template.spec.tolerations[0].key, 'wasm', 'what prod does not set stays');
    assert.deepEqual(d.spec.template.spec.containers[0].resources.limits, { cpu: '2', memory: '1Gi' });
    assert.equal(
      find(objects, 'Service', 'jobs', 'serving.knative.dev/v1').spec.template.metadata.annotations[
        'autoscaling.knative.dev/min-scale'
      ],
      '1',
    );
    assert.equal(find(objects, 'Ingress', 'tuned').spec.rules[0].host, 'tuned.acme.com');
    assert.equal(find(objects, 'Namespace', 'tuned-prod').metadata.name, 'tuned-prod');
  });

  it('--registry and --tag override the manifest', async () => {
    const objects = await render(SHOP, { registry: '127.0.0.1:5000/dev', tag: 'abc123' });
    assert.equal(
      find(objects, 'Deployment', 'orders').spec.template.spec.containers[0].image,
      '127.0.0.1:5000/dev/shop:abc123',
    );
    assert.equal(
      find(objects, 'Deployment', 'catalog').spec.template.spec.containers[0].image,
      '127.0.0.1:5000/dev/shop-catalog:abc123',
    );
  });
});

describe('the example shop', () => {
  it('normalizes its prod environment: the overlay merged over each service, the rest untouched', async () => {
    const { app } = await loadManifest(SHOP);
    const prod = app.kubernetes?.environments?.prod;
    assert.deepEqual(prod?.services.orders?.autoscaling, {
      minReplicas: 3,
      maxReplicas: 200,
      cpu: 70,
    });
    assert.deepEqual(prod?.services.inventory?.storage, { size: '20Gi', storageClassName: 'fast-ssd' });
    assert.deepEqual(prod?.services.payments, app.services.find((s) => s.name === 'payments')?.kubernetes);
    assert.equal(prod?.settings.registry, 'ghcr.io/acme');
    assert.deepEqual(prod?.settings.ingress, {
      host: 'shop.acme.com',
      className: 'nginx',
      tlsSecret: 'shop-tls',
    });
  });

  it('runs each service in the mode its state needs', async () => {
    const { app } = await loadManifest(SHOP);
    assert.deepEqual(app.services.map((s) => [s.name, s.kubernetes.mode]).sort(), [
      ['catalog', 'wasm'],
      ['inventory', 'stateful'],
      ['orders', 'container'],
      ['payments', 'stateful'],
    ]);
  });
});
