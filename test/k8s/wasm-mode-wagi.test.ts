// Regression: mode: wasm accepted a WAGI (WASI command) module, which a runwasi shim runs once and
// exits: a crash loop. Render and deploy now read the built file and refuse it at the mode field.

import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkWasmModes, renderManifests } from '../../src/k8s/index.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { guestPath } from '../helpers/guests.ts';
import { appDir, runCli } from '../helpers/host.ts';

const manifest = (mode: string, env = '') =>
  [
    'apiVersion: wasmkube.dev/v1alpha1',
    'name: demo',
    'kubernetes:',
    '  registry: ghcr.io/acme',
    env,
    'services:',
    '  pay:',
    '    source: pay.wasm',
    '    routes: ["/pay"]',
    `    kubernetes: { mode: ${mode} }`,
    '  web:',
    '    source: web.wasm',
    '    routes: ["/"]',
    '    kubernetes: { mode: wasm }',
  ].join('\n');

/** An app folder with a real WAGI module as `pay` and a real wasi:http component as `web`. */
async function app(text: string): Promise<string> {
  const dir = await appDir(text);
  await copyFile(await guestPath('wagi-hello'), join(dir, 'pay.wasm'));
  await copyFile(await guestPath('hello-component'), join(dir, 'web.wasm'));
  return dir;
}

describe('mode: wasm and WAGI modules', () => {
  it('refuses a WAGI module in mode: wasm at services.X.kubernetes.mode, with the fix', async () => {
    const { app: m } = await loadManifest(await app(manifest('wasm')));
    await assert.rejects(renderManifests(m), (err: Error & { code?: string; fix?: string }) => {
      assert.equal(err.code, 'MANIFEST_INVALID');
      assert.match(
        err.message,
        /^services\.pay\.kubernetes\.mode: wasm runs pay under a containerd Wasm shim/,
      );
      assert.match(
        err.message,
        /pay\.wasm is a WAGI \(WASI command\) module, which would run _start once and exit/,
      );
      assert.doesNotMatch(err.message, /services\.web/, 'the component is fine in wasm mode');
      assert.match(err.fix ?? '', /use mode: container .*or build the service as a wasi:http component/);
      return true;
    });
  });

  it('accepts the WAGI module in container mode and the component in wasm mode', async () => {
    const { app: m } = await loadManifest(await app(manifest('container')));
    await checkWasmModes(m);
    const { objects } = await renderManifests(m);
    assert.ok(objects.some((o) => o.kind === 'RuntimeClass'));
  });

  it('refuses it when only an environment switches the service to wasm', async () => {
    const env = '  environments:\n    edge:\n      services:\n        pay: { mode: wasm }';
    const { app: m } = await loadManifest(await app(manifest('container', env)));
    await assert.rejects(
      checkWasmModes(m),
      /kubernetes\.environments\.edge\.services\.pay\.mode: wasm runs pay/,
    );
  });

  it('skips a service that is not built yet (nothing to read)', async () => {
    const { app: m } = await loadManifest(await appDir(manifest('wasm')));
    await checkWasmModes(m);
  });

  it('the CLI exits 65 with the field and the fix', async () => {
    const dir = await app(manifest('wasm'));
    const { code, stderr } = await runCli(['k8s', 'render', dir]);
    assert.equal(code, 65, stderr);
    assert.match(stderr, /^error\[MANIFEST_INVALID\]: services\.pay\.kubernetes\.mode: /);
    assert.match(stderr, /\n {2}fix: use mode: container/);
  });
});
