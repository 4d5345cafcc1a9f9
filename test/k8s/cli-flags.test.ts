// Regressions in the cluster commands' flags: --registry, --tag and --namespace were not checked (bad
// values exited 0), an unwritable --out was an INTERNAL error, `wrote 1 files`, status and delete took
// --registry/--tag that did nothing, and a host pod's memory limit under 256Mi rendered silently.

import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderManifests } from '../../src/k8s/index.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { appDir, runCli } from '../helpers/host.ts';

describe('k8s render and deploy check --registry, --tag and --namespace like the manifest fields', () => {
  const cases: readonly [string[], RegExp, RegExp][] = [
    [
      ['--registry', 'ghcr.io/acme:5000x'],
      /error\[BAD_ARGUMENT\]: --registry 'ghcr\.io\/acme:5000x' is not a registry/,
      /fix: use a registry and namespace such as ghcr\.io\/acme/,
    ],
    [['--tag', 'bad tag'], /--tag 'bad tag' is not an image tag/, /fix: use a tag such as 1\.0\.0/],
    [['--tag', ''], /--tag '' is not an image tag/, /fix: use a tag such as 1\.0\.0/],
    [
      ['--namespace', 'Bad_NS'],
      /--namespace 'Bad_NS' is not a namespace name/,
      /fix: use lowercase letters, digits and '-'.*--namespace shop/,
    ],
  ];
  for (const [flags, message, fix] of cases) {
    it(`render ${flags.join(' ')} exits 64 naming the flag`, async () => {
      const { code, stdout, stderr } = await runCli(['k8s', 'render', 'examples/shop', ...flags]);
      assert.equal(code, 64, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.match(stderr, fix);
    });
  }

  it('deploy checks them before it looks for a cluster', async () => {
    const { code, stderr } = await runCli(['deploy', 'examples/shop', '--tag', 'bad tag']);
    assert.equal(code, 64, stderr);
    assert.match(stderr, /--tag 'bad tag' is not an image tag/);
  });
});

describe('k8s render --out', () => {
  it('a path that cannot be a folder is BAD_ARGUMENT naming --out, not an internal error', async () => {
    const { code, stderr } = await runCli(['k8s', 'render', 'examples/shop', '--out', '/dev/null/x']);
    assert.equal(code, 64, stderr);
    assert.match(stderr, /^error\[BAD_ARGUMENT\]: --out \/dev\/null\/x: cannot write .*\(ENOTDIR\)/);
    assert.doesNotMatch(stderr, /INTERNAL|bug in wasmkube/);
  });

  it('says "wrote 1 file" for one file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmkube-out-'));
    const { code, stderr } = await runCli(['k8s', 'render', 'examples/shop', '--out', dir]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /objects valid; wrote 1 file under /);
  });
});

describe('status and delete', () => {
  for (const command of ['status', 'delete']) {
    it(`${command} no longer offers --registry and --tag, which it never used`, async () => {
      const help = await runCli([command, '--help']);
      assert.doesNotMatch(help.stdout, /--registry|--tag/);
      const { code, stderr } = await runCli([command, 'examples/shop', '--registry', 'ghcr.io/acme']);
      assert.equal(code, 1);
      assert.match(stderr, /unknown option '--registry'/);
    });
  }

  it('delete offers --include-cluster-scoped for shared RuntimeClasses, Shims and CRDs', async () => {
    const help = await runCli(['delete', '--help']);
    assert.match(help.stdout, /--include-namespace/);
    assert.match(help.stdout, /--include-cluster-scoped/);
  });
});

describe('memory limits of host pods', () => {
  const app = (resources: string, mode = 'container') =>
    [
      'apiVersion: wasmkube.dev/v1alpha1',
      'name: demo',
      'kubernetes: { registry: ghcr.io/acme }',
      'services:',
      '  orders:',
      '    source: orders.wasm',
      '    routes: ["/orders"]',
      '    limits: { memory: 64Mi }',
      `    kubernetes: { mode: ${mode}, resources: ${resources} }`,
    ].join('\n');

  it('render warns on stderr, naming the field, and still exits 0', async () => {
    const dir = await appDir(app('{ limits: { memory: 64Mi } }'));
    const { code, stdout, stderr } = await runCli(['k8s', 'render', dir]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /kind: Deployment/);
    assert.match(
      stderr,
      /^warning: services\.orders\.kubernetes\.resources\.limits\.memory: 64Mi is under 256Mi: mode container runs the wasmkube host/m,
    );
    assert.match(stderr, /fix: set resources\.limits\.memory to 256Mi or more/);
  });

  it('warns for stateful and knative too, not for wasm (a shim runs the guest alone) or at 256Mi', async () => {
    const warned = async (text: string) =>
      (await renderManifests(parseManifest(text, 'wasmkube.yaml'))).warnings.map((w) => w.path);
    const field = 'services.orders.kubernetes.resources.limits.memory';
    assert.deepEqual(await warned(app('{ limits: { memory: 200Mi } }', 'stateful')), [field]);
    assert.deepEqual(await warned(app('{ limits: { memory: 128Mi } }', 'knative')), [field]);
    assert.deepEqual(await warned(app('{ limits: { memory: 64Mi } }', 'wasm')), []);
    assert.deepEqual(await warned(app('{ limits: { memory: 256Mi } }')), []);
    // The service's own limits.memory (the guest's Wasm memory cap) is not the pod's: no warning.
    assert.deepEqual(await warned(app('{ requests: { cpu: 50m } }')), []);
  });

  it('the example shop renders without a warning, in the base and in prod', async () => {
    for (const extra of [[], ['--env', 'prod']]) {
      const { code, stderr } = await runCli(['k8s', 'render', 'examples/shop', ...extra]);
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /warning/);
    }
  });
});
