// Regressions: `push` ignored kubernetes.registry/tag (render uses them, so Deployments pulled images
// nobody pushed), and a bad --registry failed after packaging with a made-up reference. Now push names
// images exactly as `k8s render` does, and --registry is checked first, naming the flag and the fix.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { imageTarget, parseRegistry } from '../../src/oci/index.ts';
import { pushNodeBaseImage } from '../helpers/base-image.ts';
import { demoApp, removeTempDirs, wasmkube } from '../helpers/oci-app.ts';
import { startRegistry, type TestRegistry } from '../helpers/registry.ts';

let reg: TestRegistry;
let base: string;

before(async () => {
  reg = await startRegistry();
  base = `${reg.host}/base/node:24`;
  await pushNodeBaseImage(base, { insecure: true });
});
after(async () => {
  await reg?.stop();
  await removeTempDirs();
});

const manifest = (registry: string) => `apiVersion: wasmkube.dev/v1alpha1
name: demo
kubernetes:
  registry: ${registry}
  tag: 1.0.0
  environments:
    prod: { tag: 2.0.0 }
services:
  hello:
    source: hello.wasm
    routes: ["/hello"]
    kubernetes: { mode: wasm }
  greet:
    source: greet.wasm
    routes: ["/greet"]
`;

/** The image references in `wasmkube k8s render` output, sorted. */
async function renderedImages(app: string, ...args: string[]): Promise<string[]> {
  const r = await wasmkube(['k8s', 'render', app, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return [...new Set([...r.stdout.matchAll(/image: (\S+)/g)].map((m) => m[1]!))].sort();
}

describe('push names images as k8s render does', () => {
  test('without --registry and --tag: kubernetes.registry and kubernetes.tag, the refs render emits', async () => {
    const app = await demoApp(manifest(`${reg.host}/acme`));
    const rendered = await renderedImages(app);
    assert.deepEqual(rendered, [`${reg.host}/acme/demo-hello:1.0.0`, `${reg.host}/acme/demo:1.0.0`].sort());
    const r = await wasmkube(['push', app, '--base', base, '--insecure']);
    assert.equal(r.code, 0, r.stderr);
    const pushed = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('@')[0]!);
    for (const ref of rendered) assert.ok(pushed.includes(ref), `${ref} was pushed (${pushed.join(', ')})`);

    const prod = await wasmkube(['push', app, '--env', 'prod', '--kind', 'wasm', '--insecure']);
    assert.equal(prod.code, 0, prod.stderr);
    const prodPushed = prod.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('@')[0]!);
    const prodRendered = await renderedImages(app, '--env', 'prod');
    assert.ok(prodPushed.includes(`${reg.host}/acme/demo-hello:2.0.0`), prodPushed.join());
    assert.ok(prodRendered.includes(`${reg.host}/acme/demo-hello:2.0.0`), prodRendered.join());
  });

  test('flags win over the manifest, for push and render alike', async () => {
    const app = await demoApp(manifest('ghcr.io/elsewhere'));
    const args = ['--registry', `${reg.host}/flags`, '--tag', 'v9'];
    const r = await wasmkube(['push', app, '--kind', 'wasm', '--insecure', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${reg.host}/flags/demo-hello:v9@sha256:`, 'm'));
    assert.ok((await renderedImages(app, ...args)).includes(`${reg.host}/flags/demo-hello:v9`));
  });

  test('no registry anywhere: an error naming --registry and kubernetes.registry', async () => {
    const app = await demoApp();
    const r = await wasmkube(['push', app, '--kind', 'wasm']);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /error\[BAD_ARGUMENT\]: push needs a registry for app demo/);
    assert.match(r.stderr, /fix: pass --registry .* or set kubernetes\.registry in .*wasmkube\.yaml/);
    assert.doesNotMatch(r.stderr, /required option/);
  });

  test('the library resolves the same way (flag, else environment, else manifest, else none)', () => {
    const app = parseManifest(manifest('ghcr.io/acme'), 'wasmkube.yaml');
    assert.deepEqual(imageTarget(app), { registry: 'ghcr.io/acme', host: 'ghcr.io', tag: '1.0.0' });
    assert.equal(imageTarget(app, { env: 'prod' }).tag, '2.0.0');
    assert.equal(imageTarget(app, { tag: 'x' }).tag, 'x');
    assert.equal(imageTarget(app, { registry: 'acme/' }).host, 'registry-1.docker.io');
    const bare = parseManifest(
      'apiVersion: wasmkube.dev/v1alpha1\nname: a\nservices:\n  s:\n    source: s.wasm\n    routes: ["/"]\n',
      'wasmkube.yaml',
    );
    assert.deepEqual(imageTarget(bare), { tag: 'latest' });
    assert.throws(
      () => imageTarget(app, { env: 'nope' }),
      (e: unknown) => isWasmkubeError(e) && /--env nope/.test(e.message) && /prod/.test(e.fix ?? ''),
    );
  });
});

describe('--registry is checked up front', () => {
  test('a scheme and uppercase: names the flag, says what is wrong, and gives the value to write', async () => {
    const app = await demoApp();
    const r = await wasmkube(['push', app, '--registry', 'http://127.0.0.1:34389/Acme', '--kind', 'wasm']);
    assert.equal(r.code, 64, r.stderr);
    assert.match(
      r.stderr,
      /error\[BAD_ARGUMENT\]: --registry http:\/\/127\.0\.0\.1:34389\/Acme is not a registry and namespace: it has a scheme \(http:\/\/\).*; a repository namespace must be lowercase/,
    );
    assert.match(
      r.stderr,
      /fix: write --registry 127\.0\.0\.1:34389\/acme \(REGISTRY\[:PORT\]\/NAMESPACE: no scheme, lowercase repository; --insecure for plain HTTP\)/,
    );
    assert.doesNotMatch(r.stderr, /\/x'|packaging/, 'nothing was packaged, no made-up reference');
  });

  test('package checks it too; good values pass', async () => {
    const app = await demoApp();
    const r = await wasmkube(['package', app, '--kind', 'wasm', '--registry', 'ghcr.io/acme:1.0']);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /--registry ghcr\.io\/acme:1\.0 is not a registry and namespace: it holds a tag/);
    assert.match(r.stderr, /fix: write --registry ghcr\.io\/acme /);
    assert.deepEqual(parseRegistry('127.0.0.1:5000/acme/'), {
      registry: '127.0.0.1:5000/acme',
      host: '127.0.0.1:5000',
    });
    assert.deepEqual(parseRegistry('ghcr.io'), { registry: 'ghcr.io', host: 'ghcr.io' });
    assert.throws(
      () => parseRegistry('ghcr.io/a b'),
      (e: unknown) => isWasmkubeError(e) && e.code === 'BAD_ARGUMENT',
    );
  });
});
