// Regression: host pods set WASMKUBE_CACHE_DIR=/tmp/wasmkube, hiding the image's pre-transpiled cache
// (every pod transpiled the 13 MB orders component again), and had no startup probe, so liveness could
// kill a slow first start. Now the image's cache stands and /ready gates liveness through a startupProbe.

/** biome-ignore-all lint/suspicious/noExplicitAny: tests walk rendered objects by path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderApp, validationProblems } from '../../src/k8s/index.ts';
import { parseManifest } from '../../src/manifest/index.ts';

const manifest = (mode: string, extra = '') =>
  parseManifest(
    [
      'apiVersion: wasmkube.dev/v1alpha1',
      'name: demo',
      'kubernetes: { registry: ghcr.io/acme }',
      'services:',
      '  web:',
      '    source: web.wasm',
      '    routes: ["/"]',
      '    env: { GREETING: hi }',
      '    kubernetes:',
      `      mode: ${mode}`,
      extra,
    ].join('\n'),
    'wasmkube.yaml',
  );

const container = (objects: readonly any[], kind: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === 'web').spec.template.spec.containers[0];

describe('host pods and the image cache', () => {
  for (const [mode, kind] of [
    ['container', 'Deployment'],
    ['stateful', 'StatefulSet'],
    ['knative', 'Service'],
  ] as const) {
    it(`${mode}: no WASMKUBE_CACHE_DIR override, so the image's /app/.cache is used`, async () => {
      const objects = renderApp(manifest(mode));
      const c = container(
        objects.filter((o) => mode !== 'knative' || o.apiVersion === 'serving.knative.dev/v1'),
        kind,
      );
      assert.ok(!(c.env ?? []).some((e: any) => e.name === 'WASMKUBE_CACHE_DIR'), JSON.stringify(c.env));
      assert.deepEqual(await validationProblems(objects), []);
    });
  }

  it('container and stateful: a startupProbe on /ready holds liveness off during a slow start', () => {
    for (const [mode, kind] of [
      ['container', 'Deployment'],
      ['stateful', 'StatefulSet'],
    ] as const) {
      const c = container(renderApp(manifest(mode)), kind);
      assert.deepEqual(c.startupProbe, {
        httpGet: { path: '/ready', port: 'http' },
        failureThreshold: 90,
        periodSeconds: 2,
      });
      assert.ok(
        c.startupProbe.failureThreshold * c.startupProbe.periodSeconds >= 120,
        'minutes, not seconds',
      );
    }
  });

  it('knative (no startupProbe in its schema): the liveness probe waits the same allowance', () => {
    const ksvc = renderApp(manifest('knative')).find((o) => o.apiVersion === 'serving.knative.dev/v1') as any;
    const c = ksvc.spec.template.spec.containers[0];
    assert.equal(c.startupProbe, undefined);
    assert.equal(c.livenessProbe.initialDelaySeconds, 180);
  });

  it('wasm: a shim starts at once and gets no startupProbe; the guest env stays on the container', () => {
    const c = container(renderApp(manifest('wasm')), 'Deployment');
    assert.equal(c.startupProbe, undefined);
    assert.deepEqual(c.env, [{ name: 'GREETING', value: 'hi' }]);
  });

  it('podTemplate.startupProbe replaces it, false removes it', () => {
    const own = container(
      renderApp(
        manifest(
          'container',
          '      podTemplate: { startupProbe: { tcpSocket: { port: http }, failureThreshold: 5 } }',
        ),
      ),
      'Deployment',
    );
    assert.deepEqual(own.startupProbe, { tcpSocket: { port: 'http' }, failureThreshold: 5 });
    const none = container(
      renderApp(manifest('container', '      podTemplate: { startupProbe: false }')),
      'Deployment',
    );
    assert.equal(none.startupProbe, undefined);
  });
});

describe('RuntimeClass scheduling', () => {
  it('defaults to the node label the README asks for: runtime.wasmkube.dev/NAME=true', () => {
    const rc = renderApp(manifest('wasm')).find((o) => o.kind === 'RuntimeClass') as any;
    assert.deepEqual(rc.scheduling, { nodeSelector: { 'runtime.wasmkube.dev/wasmtime': 'true' } });
  });

  it('kubernetes.runtimeClasses.NAME.nodeSelector replaces it', () => {
    const app = parseManifest(
      [
        'apiVersion: wasmkube.dev/v1alpha1',
        'name: demo',
        'kubernetes:',
        '  registry: ghcr.io/acme',
        '  runtimeClasses: { wasmtime: { nodeSelector: { pool: wasm } } }',
        'services:',
        '  web: { source: web.wasm, routes: ["/"], kubernetes: { mode: wasm } }',
      ].join('\n'),
      'wasmkube.yaml',
    );
    const rc = renderApp(app).find((o) => o.kind === 'RuntimeClass') as any;
    assert.deepEqual(rc.scheduling, { nodeSelector: { pool: 'wasm' } });
  });
});
