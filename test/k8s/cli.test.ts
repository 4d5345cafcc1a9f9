// The commands as users type them: `wasmkube k8s render examples/shop` prints a valid stream, --out
// writes kustomize and helm trees, bad flags exit with the catalog's codes and a fix.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { type KubeObject, validationProblems } from '../../src/k8s/index.ts';
import { CLI, ROOT, runCli } from '../helpers/host.ts';

describe('wasmkube k8s render', () => {
  it('prints the example shop (container, wasm and two StatefulSets for /data), all valid', async () => {
    const { code, stdout, stderr } = await runCli(['k8s', 'render', 'examples/shop']);
    assert.equal(code, 0, stderr);
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject);
    assert.deepEqual(await validationProblems(objects), []);
    const workloads = objects
      .filter(
        (o) => ['Deployment', 'StatefulSet'].includes(o.kind) || o.apiVersion === 'serving.knative.dev/v1',
      )
      .map((o) => `${o.kind}/${o.metadata.name}`);
    assert.deepEqual(workloads, [
      'Deployment/catalog',
      'Deployment/orders',
      'StatefulSet/inventory',
      'StatefulSet/payments',
    ]);
  });

  it('writes a kustomize tree and a helm chart under --out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmkube-k8s-'));
    const k = await runCli([
      'k8s',
      'render',
      'examples/shop',
      '--format',
      'kustomize',
      '--out',
      join(dir, 'k'),
    ]);
    assert.equal(k.code, 0, k.stderr);
    assert.deepEqual((await readdir(join(dir, 'k'), { recursive: true })).sort(), [
      'base',
      'base/kustomization.yaml',
      'base/resources.yaml',
      'overlays',
      'overlays/prod',
      'overlays/prod/kustomization.yaml',
    ]);
    const h = await runCli([
      'k8s',
      'render',
      'examples/shop',
      '--format',
      'helm',
      '--env',
      'prod',
      '--out',
      join(dir, 'h'),
    ]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(await readFile(join(dir, 'h', 'Chart.yaml'), 'utf8'), /name: shop/);
    assert.match(h.stderr, /objects valid; wrote \d+ files/);
  });

  it('--registry and --tag pick the images; --env prod the overlay', async () => {
    const { code, stdout } = await runCli([
      'k8s',
      'render',
      'examples/shop',
      '--env',
      'prod',
      '--registry',
      '127.0.0.1:5000/shop',
      '--tag',
      'dev',
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /image: 127\.0\.0\.1:5000\/shop\/shop:dev\n/);
    assert.match(stdout, /image: 127\.0\.0\.1:5000\/shop\/shop-catalog:dev\n/);
    assert.match(stdout, /host: shop\.acme\.com/);
  });

  it('exits 64 with a fix for a bad format, a missing --out or an unknown environment', async () => {
    const bad = await runCli(['k8s', 'render', 'examples/shop', '--format', 'json']);
    assert.equal(bad.code, 64);
    assert.match(
      bad.stderr,
      /error\[BAD_ARGUMENT\]: --format json is not a format\n {2}fix: use --format yaml, --format kustomize, --format helm/,
    );
    const noOut = await runCli(['k8s', 'render', 'examples/shop', '--format', 'helm']);
    assert.equal(noOut.code, 64);
    assert.match(noOut.stderr, /needs --out/);
    const env = await runCli(['k8s', 'render', 'examples/shop', '--env', 'staging']);
    assert.equal(env.code, 64);
    assert.match(env.stderr, /no environment 'staging'\n {2}fix: use one of: prod/);
  });

  it('deploy without any kubeconfig exits 69 before loading the client, saying what to set', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wasmkube-home-'));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, KUBECONFIG: '' };
    delete env.KUBERNETES_SERVICE_HOST;
    const out = spawnSync(process.execPath, [CLI, 'deploy', 'examples/shop'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    assert.equal(out.status, 69, out.stderr);
    assert.match(
      out.stderr,
      /error\[K8S_UNREACHABLE\]: no kubeconfig: KUBECONFIG is not set and .*\.kube\/config does not exist\n {2}fix: point KUBECONFIG/,
    );
  });

  it('deploy --dry-run=client renders and validates offline, without a kubeconfig', async () => {
    const { code, stdout, stderr } = await runCli(['deploy', 'examples/shop', '--dry-run=client'], {
      env: { KUBECONFIG: '/nonexistent/kubeconfig' },
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^\(client dry run\) \d+ created, 0 configured, 0 unchanged, 0 pruned$/m);
    assert.match(stdout, /^ {2}created: Deployment shop\/orders$/m);
    assert.match(stderr, /nothing sent/);
  });

  it('deploy refuses another --dry-run mode, pointing at render', async () => {
    const { code, stderr } = await runCli(['deploy', 'examples/shop', '--dry-run=local']);
    assert.equal(code, 64);
    assert.match(stderr, /--dry-run=local is not supported\n {2}fix: .*wasmkube k8s render/);
  });
});
