// loadManifest on real files: a folder (wasmkube.yaml, else wasmkube.yml), a file, and nothing there.
// Relative paths in the manifest come back absolute, resolved against the manifest's folder.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadManifest, ManifestError } from '../../src/manifest/index.ts';

const MANIFEST = `apiVersion: wasmkube.dev/v1alpha1
name: shop
services:
  orders:
    source: orders/dist/orders.wasm
    build: { command: npm run build, workdir: orders }
    routes: ["/orders"]
  payments:
    source: oci://ghcr.io/acme/payments:1.0.0
    routes: ["/payments"]
`;

describe('loadManifest', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'wasmkube-manifest-'));
    await mkdir(join(root, 'app'));
    await writeFile(join(root, 'app', 'wasmkube.yaml'), MANIFEST);
    await mkdir(join(root, 'yml'));
    await writeFile(join(root, 'yml', 'wasmkube.yml'), MANIFEST);
    await mkdir(join(root, 'empty'));
    await writeFile(join(root, 'other.yaml'), MANIFEST);
    await writeFile(join(root, 'broken.yaml'), 'apiVersion: wasmkube.dev/v1alpha1\nname: shop\n');
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads wasmkube.yaml in a folder and makes paths absolute', async () => {
    const loaded = await loadManifest(join(root, 'app'));
    assert.equal(loaded.file, join(root, 'app', 'wasmkube.yaml'));
    assert.equal(loaded.dir, join(root, 'app'));
    const [orders, payments] = loaded.app.services;
    assert.deepStrictEqual(orders.source, {
      kind: 'file',
      path: join(root, 'app', 'orders', 'dist', 'orders.wasm'),
    });
    assert.deepStrictEqual(orders.build, {
      command: 'npm run build',
      workdir: join(root, 'app', 'orders'),
      baseDir: join(root, 'app'),
      watch: [],
    });
    assert.deepStrictEqual(payments.source, { kind: 'oci', ref: 'ghcr.io/acme/payments:1.0.0' });
    assert.equal(payments.build, undefined);
  });

  it('falls back to wasmkube.yml', async () => {
    const loaded = await loadManifest(join(root, 'yml'));
    assert.equal(loaded.file, join(root, 'yml', 'wasmkube.yml'));
    assert.equal(loaded.app.name, 'shop');
  });

  it('reads a file of any name', async () => {
    const loaded = await loadManifest(join(root, 'other.yaml'));
    assert.equal(loaded.file, join(root, 'other.yaml'));
    assert.equal(loaded.dir, root);
    assert.deepStrictEqual(loaded.app.services[0].source, {
      kind: 'file',
      path: join(root, 'orders', 'dist', 'orders.wasm'),
    });
  });

  it('says MANIFEST_NOT_FOUND for a folder without a manifest', async () => {
    await assert.rejects(loadManifest(join(root, 'empty')), {
      code: 'MANIFEST_NOT_FOUND',
      message: `no wasmkube.yaml or wasmkube.yml in ${join(root, 'empty')}`,
      fix: /--from/,
    });
  });

  it('says MANIFEST_NOT_FOUND for a path that does not exist', async () => {
    await assert.rejects(loadManifest(join(root, 'nope.yaml')), {
      code: 'MANIFEST_NOT_FOUND',
      message: `no manifest at ${join(root, 'nope.yaml')}`,
      fix: /pass the folder or file/,
    });
  });

  it('names the file as given in validation errors', async () => {
    const file = join(root, 'broken.yaml');
    await assert.rejects(loadManifest(file), (err: unknown) => {
      assert.ok(err instanceof ManifestError);
      assert.equal(err.code, 'MANIFEST_INVALID');
      assert.equal(err.message, `${file}:1:1: services: missing required field 'services'`);
      return true;
    });
  });
});
