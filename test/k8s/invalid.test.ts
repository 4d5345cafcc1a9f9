// Bad Kubernetes settings fail with the file, line, field path and a fix: in the manifest (zod schema and
// cross-field rules, environments included) and in rendered objects (the official schemas).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type KubeObject,
  renderApp,
  renderManifests,
  validateObjects,
  validationProblems,
} from '../../src/k8s/index.ts';
import { type ManifestError, parseManifest } from '../../src/manifest/index.ts';

const base = (service: string, app = '') =>
  `apiVersion: wasmkube.dev/v1alpha1\nname: shop\n${app}services:\n  orders:\n    source: o.wasm\n    routes: ["/orders"]\n${service}`;

function issues(text: string): { line: string; fix: string } {
  try {
    parseManifest(text, 'wasmkube.yaml');
  } catch (err) {
    const e = err as ManifestError;
    return { line: e.message, fix: e.fix ?? '' };
  }
  assert.fail('expected the manifest to be refused');
}

describe('invalid kubernetes settings in the manifest', () => {
  const cases: readonly [string, string, RegExp, RegExp][] = [
    [
      'knative settings on a container service',
      base('    kubernetes:\n      knative: { target: 5 }\n'),
      /^wasmkube\.yaml:8:16: services\.orders\.kubernetes\.knative: knative only applies to mode: knative, not container$/,
      /set mode: knative, or remove knative/,
    ],
    [
      'storage on a wasm service',
      base('    kubernetes:\n      mode: wasm\n      storage: { size: 1Gi }\n'),
      /services\.orders\.kubernetes\.storage: storage only applies to mode: stateful, not wasm/,
      /set mode: stateful/,
    ],
    [
      'an HPA and KEDA together',
      base(
        '    kubernetes:\n      autoscaling: { maxReplicas: 3 }\n      keda: { maxReplicas: 3, triggers: [{ type: cpu, metadata: { value: "50" } }] }\n',
      ),
      /services\.orders\.kubernetes\.keda: autoscaling and keda both scale this service/,
      /keep one of autoscaling/,
    ],
    [
      'autoscaling on knative',
      base('    kubernetes:\n      mode: knative\n      autoscaling: { maxReplicas: 3 }\n'),
      /services\.orders\.kubernetes\.autoscaling: autoscaling does not apply to mode: knative/,
      /use knative: \{ target, minScale, maxScale \}/,
    ],
    [
      'a canary weight of 100',
      base('    kubernetes:\n      istio: { canary: { tag: v2, weight: 100 } }\n'),
      /services\.orders\.kubernetes\.istio\.canary\.weight: expected a whole number from 1 to 99/,
      /from 1 to 99/,
    ],
    [
      'a canary on a stateful service',
      base('    kubernetes:\n      mode: stateful\n      istio: { canary: { tag: v2, weight: 10 } }\n'),
      /services\.orders\.kubernetes\.istio\.canary: a canary does not apply to mode: stateful/,
      /use mode: container or wasm/,
    ],
    [
      'a storage size that is no quantity',
      base('    kubernetes:\n      mode: stateful\n      storage: { size: ten-gigs }\n'),
      /services\.orders\.kubernetes\.storage\.size: 'ten-gigs' is not a Kubernetes quantity/,
      /100m, 0\.5 or 64Mi/,
    ],
    [
      'a proxyWasm without url or file',
      base('    kubernetes:\n      istio: { proxyWasm: { image: x } }\n'),
      /services\.orders\.kubernetes\.istio\.proxyWasm: expected \{ url: oci:\/\/\.\.\. \} or \{ file: path\.wasm \}/,
      /WasmPlugin/,
    ],
    [
      'a typo in podTemplate',
      base('    kubernetes:\n      podTemplate: { nodeSelectors: { a: b } }\n'),
      /services\.orders\.kubernetes\.podTemplate\.nodeSelectors: unknown field 'nodeSelectors': did you mean nodeSelector\?/,
      /rename it to nodeSelector/,
    ],
    [
      'an environment naming an unknown service',
      base('', 'kubernetes:\n  environments:\n    prod:\n      services:\n        order: { replicas: 3 }\n'),
      /kubernetes\.environments\.prod\.services\.order: environment prod overrides service 'order', which the app does not have/,
      /use one of: orders/,
    ],
    [
      'an environment whose merge breaks a rule',
      base(
        '    kubernetes:\n      autoscaling: { maxReplicas: 3 }\n',
        'kubernetes:\n  environments:\n    prod:\n      services:\n        orders: { mode: knative }\n',
      ),
      /kubernetes\.environments\.prod\.services\.orders\.autoscaling: autoscaling does not apply to mode: knative .*\(after merging environment prod\)/,
      /knative/,
    ],
    [
      'a mode typo (wasi), suggesting wasm',
      base('    kubernetes:\n      mode: wasi\n'),
      /services\.orders\.kubernetes\.mode: expected container, wasm, knative or stateful/,
      /^did you mean wasm\? \(use mode: wasm\)$/,
    ],
    [
      'a knative minScale above maxScale',
      base('    kubernetes:\n      mode: knative\n      knative: { minScale: 5, maxScale: 1 }\n'),
      /services\.orders\.kubernetes\.knative\.minScale: minScale \(5\) is greater than maxScale \(1\)/,
      /make minScale at most maxScale \(maxScale 0 means no limit\)/,
    ],
    [
      'a knative minScale above maxScale after merging an environment',
      base(
        '    kubernetes:\n      mode: knative\n      knative: { minScale: 2 }\n',
        'kubernetes:\n  environments:\n    prod:\n      services:\n        orders: { knative: { maxScale: 1 } }\n',
      ),
      /kubernetes\.environments\.prod\.services\.orders\.knative\.minScale: minScale \(2\) is greater than maxScale \(1\) \(after merging environment prod\)/,
      /at most maxScale/,
    ],
    [
      'a registry with a scheme',
      base('', 'kubernetes:\n  registry: https://ghcr.io/acme\n'),
      /kubernetes\.registry: .*is not a registry/,
      /ghcr\.io\/acme/,
    ],
  ];
  for (const [what, text, message, fix] of cases) {
    it(`refuses ${what}`, () => {
      const got = issues(text);
      assert.match(got.line, message);
      assert.match(got.fix, fix);
    });
  }
});

describe('invalid rendered objects', () => {
  it('a podTemplate value Kubernetes refuses fails with the object, field path and fix', async () => {
    const app = parseManifest(
      base(
        '    kubernetes:\n      podTemplate:\n        sidecars: [{ image: envoy, ports: [{ containerPort: http }] }]\n',
      ),
      'wasmkube.yaml',
    );
    const objects = renderApp(app, { registry: 'r.example' });
    await assert.rejects(validateObjects(objects), (err: Error & { code?: string; fix?: string }) => {
      assert.equal(err.code, 'K8S_INVALID');
      assert.match(
        err.message,
        /Deployment shop\/orders: spec\.template\.spec\.containers\.1: must have required property '?name'?/,
      );
      assert.match(
        err.message,
        /Deployment shop\/orders: spec\.template\.spec\.containers\.1\.ports\.0\.containerPort: must be integer/,
      );
      assert.match(err.fix ?? '', /correct services\.orders\.kubernetes in wasmkube\.yaml/);
      return true;
    });
    await assert.rejects(renderManifests(app, { registry: 'r.example' }), /K8S_INVALID|containers\.1/);
  });

  it('a typo inside a passed-through value is an unknown field, not silently dropped', async () => {
    const app = parseManifest(
      base(
        '    kubernetes:\n      podTemplate:\n        tolerations: [{ keyy: wasm, operator: Exists }]\n        sidecars: [{ name: proxy, image: envoy, imagePullPolcy: Always }]\n',
      ),
      'wasmkube.yaml',
    );
    const problems = await validationProblems(renderApp(app, { registry: 'r.example' }));
    assert.deepEqual(problems, [
      {
        object: 'Deployment shop/orders',
        path: '/spec/template/spec/containers/1/imagePullPolcy',
        message: "has unknown field 'imagePullPolcy'",
      },
      {
        object: 'Deployment shop/orders',
        path: '/spec/template/spec/tolerations/0/keyy',
        message: "has unknown field 'keyy'",
      },
    ]);
  });

  // Each validator must be able to fail: break one field of every kind rendered and expect a problem.
  it('every kind rendered is really checked', async () => {
    const app = parseManifest(
      `apiVersion: wasmkube.dev/v1alpha1
name: all
kubernetes:
  registry: r.example
  gateway: { parentRefs: [{ name: gw }] }
  serviceMonitor: true
  fluentBit: true
  runtimeClasses: { spin: { shim: { location: "https://example.com/shim.tgz" } } }
services:
  a:
    source: a.wasm
    routes: ["/a"]
    kubernetes:
      replicas: 2
      autoscaling: { minReplicas: 2, maxReplicas: 4 }
      istio: { canary: { tag: v2, weight: 5 }, proxyWasm: { url: "oci://x/y:1" } }
  b:
    source: b.wasm
    routes: ["/b"]
    kubernetes: { mode: stateful, keda: { maxReplicas: 3, triggers: [{ type: cpu, metadata: { value: "50" } }] }, istio: { proxyWasm: { file: /f.wasm } } }
  c:
    source: c.wasm
    routes: ["/c"]
    kubernetes: { mode: knative }
  d:
    source: d.wasm
    routes: ["/d"]
    kubernetes: { mode: wasm, runtimeClassName: spin }
  e:
    source: e.wasm
    routes: ["/e"]
    kubernetes: { mode: wasm }
`,
      'wasmkube.yaml',
    );
    const objects = renderApp(app);
    assert.deepEqual(await validationProblems(objects), []);
    const kinds = [...new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`))].sort();
    assert.deepEqual(kinds, [
      'apps/v1/Deployment',
      'apps/v1/StatefulSet',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'extensions.istio.io/v1alpha1/WasmPlugin',
      'gateway.networking.k8s.io/v1/HTTPRoute',
      'keda.sh/v1alpha1/ScaledObject',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'networking.istio.io/v1alpha3/EnvoyFilter',
      'networking.istio.io/v1beta1/DestinationRule',
      'networking.istio.io/v1beta1/VirtualService',
      'networking.k8s.io/v1/Ingress',
      'networking.k8s.io/v1/NetworkPolicy',
      'node.k8s.io/v1/RuntimeClass',
      'policy/v1/PodDisruptionBudget',
      'runtime.spinkube.dev/v1alpha1/Shim',
      'serving.knative.dev/v1/Service',
      'v1/ConfigMap',
      'v1/Namespace',
      'v1/Service',
    ]);
    for (const kind of kinds) {
      const obj = objects.find((o) => `${o.apiVersion}/${o.kind}` === kind) as KubeObject;
      // A number where every schema wants a map or string: spec (or handler, data) must be refused.
      const field = 'handler' in obj ? 'handler' : 'data' in obj ? 'data' : 'spec';
      const broken = { ...obj, [field]: 42 } as KubeObject;
      const problems = await validationProblems([broken]);
      assert.ok(problems.length > 0, `${kind} with ${field}: 42 passed validation`);
      assert.match(problems[0]?.path ?? '', new RegExp(`^/${field}`));
    }
  });

  it('a missing registry or unknown environment says how to fix it', () => {
    const app = parseManifest(base(''), 'wasmkube.yaml');
    assert.throws(() => renderApp(app), { code: 'BAD_ARGUMENT', message: /no image registry for app shop/ });
    assert.throws(() => renderApp(app, { registry: 'r', env: 'prod' }), {
      message: "app shop has no environment 'prod'",
      fix: 'add kubernetes.environments.prod to wasmkube.yaml, or drop --env',
    });
  });
});
