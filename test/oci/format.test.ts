// The pure parts of OCI packaging: references, auth challenges, credentials from config.json,
// deterministic tar+gzip, the component's world, layouts, and the host layer's import graph.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { parseChallenge } from '../../src/oci/auth-challenge.ts';
import { componentWorld } from '../../src/oci/component-world.ts';
import {
  assembleImage,
  blobOf,
  buildWasmArtifact,
  canonicalJson,
  credentialsFor,
  deterministicGzip,
  deterministicTar,
  hostImportGraph,
  hostLayerFiles,
  layoutTar,
  MEDIA,
  packageClosure,
  parseReference,
  readLayout,
  readTar,
  writeLayoutDir,
} from '../../src/oci/index.ts';
import { guestPath } from '../helpers/guests.ts';
import { demoApp, removeTempDirs, tempDir } from '../helpers/oci-app.ts';

after(removeTempDirs);

describe('references', () => {
  test('registry, repository, tag and digest', () => {
    assert.deepEqual(parseReference('127.0.0.1:5000/acme/shop:1.0'), {
      registry: '127.0.0.1:5000',
      repository: 'acme/shop',
      tag: '1.0',
    });
    const d = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseReference(`oci://ghcr.io/acme/orders@${d}`), {
      registry: 'ghcr.io',
      repository: 'acme/orders',
      digest: d,
    });
    assert.deepEqual(parseReference('node:24-slim'), {
      registry: 'registry-1.docker.io',
      repository: 'library/node',
      tag: '24-slim',
    });
    assert.equal(parseReference('docker.io/library/node').tag, 'latest');
    assert.equal(parseReference('localhost/x').registry, 'localhost');
  });

  for (const bad of ['', 'ghcr.io/Acme/shop', 'ghcr.io/acme/shop:bad tag', 'ghcr.io/a@sha256:12']) {
    test(`'${bad}' is rejected with a fix`, () => {
      assert.throws(
        () => parseReference(bad),
        (e: unknown) => isWasmkubeError(e) && e.code === 'OCI_REFERENCE' && e.fix !== undefined,
      );
    });
  }
});

describe('auth challenges and credentials', () => {
  test('Bearer and Basic challenges', () => {
    assert.deepEqual(
      parseChallenge(
        'Bearer realm="https://auth.io/token",service="registry.io",scope="repository:a/b:pull"',
      ),
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.io/token', service: 'registry.io', scope: 'repository:a/b:pull' },
      },
    );
    assert.deepEqual(parseChallenge('Basic realm="x"'), { scheme: 'basic', params: { realm: 'x' } });
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(parseChallenge(null), undefined);
  });

  test('config.json: auth as base64, username/password, URL keys, DOCKER_CONFIG', async () => {
    const dir = await tempDir('wasmkube-creds-');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'reg.example:5000': { auth: Buffer.from('alice:s3:cr3t').toString('base64') },
          'https://index.docker.io/v1/': { username: 'bob', password: 'pw' },
          'broken.example': { auth: Buffer.from('nocolon').toString('base64') },
        },
      }),
    );
    const env = { DOCKER_CONFIG: dir };
    assert.deepEqual(credentialsFor('reg.example:5000', env), { username: 'alice', password: 's3:cr3t' });
    assert.deepEqual(credentialsFor('registry-1.docker.io', env), { username: 'bob', password: 'pw' });
    assert.equal(credentialsFor('other.example', env), undefined);
    assert.throws(
      () => credentialsFor('broken.example', env),
      (e: unknown) => isWasmkubeError(e) && e.code === 'OCI_AUTH' && /config\.json/.test(e.message),
    );
    assert.equal(credentialsFor('reg.example:5000', { DOCKER_CONFIG: join(dir, 'missing') }), undefined);
  });
});

describe('deterministic layers', () => {
  const files = [
    { path: 'b/two.txt', data: Buffer.from('two') },
    { path: 'a/one.txt', data: Buffer.from('one'), mode: 0o755 },
  ];

  test('same files in any order give the same bytes; entries sorted with parents, fixed owners and times', async () => {
    const one = deterministicGzip(await deterministicTar(files));
    const two = deterministicGzip(await deterministicTar([...files].reverse()));
    assert.deepEqual(one, two);
    // gzip header: no mtime, OS byte 255.
    assert.deepEqual([...one.subarray(4, 8)], [0, 0, 0, 0]);
    assert.equal(one[9], 255);
    const entries = await readTar(one);
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.mode]),
      [
        ['a/', 'directory', 0o755],
        ['a/one.txt', 'file', 0o755],
        ['b/', 'directory', 0o755],
        ['b/two.txt', 'file', 0o644],
      ],
    );
  });

  test('a changed file changes the digest', async () => {
    const a = blobOf(MEDIA.layerGzip, deterministicGzip(await deterministicTar(files)));
    const b = blobOf(
      MEDIA.layerGzip,
      deterministicGzip(await deterministicTar([files[0]!, { path: 'a/one.txt', data: Buffer.from('ONE') }])),
    );
    assert.notEqual(a.descriptor.digest, b.descriptor.digest);
  });
});

describe('Wasm artifacts', () => {
  test('a component: wasip2 config with its imports and exports, one application/wasm layer', async () => {
    const bytes = await readFile(await guestPath('hello-component'));
    const world = componentWorld(bytes);
    assert.ok(world);
    assert.ok(
      world.exports.some((e) => e.startsWith('wasi:http/incoming-handler@0.2')),
      world.exports.join(),
    );
    assert.ok(
      world.imports.some((e) => e.startsWith('wasi:http/types@0.2')),
      world.imports.join(),
    );
    const loaded = await loadManifest(await demoApp());
    const service = loaded.app.services.find((s) => s.name === 'hello')!;
    const image = buildWasmArtifact(loaded.app, service, bytes);
    const manifest = JSON.parse(Buffer.from(image.manifest.data).toString());
    assert.equal(manifest.config.mediaType, MEDIA.wasmConfig);
    assert.deepEqual(
      manifest.layers.map((l: { mediaType: string }) => l.mediaType),
      [MEDIA.wasmLayer],
    );
    const config = JSON.parse(Buffer.from(image.config.data).toString());
    assert.equal(config.architecture, 'wasm');
    assert.equal(config.os, 'wasip2');
    assert.deepEqual(config.layerDigests, [image.layers[0]!.descriptor.digest]);
    assert.deepEqual(config.component.exports, world.exports);
  });

  test('a WAGI module is wasip1; --format spin writes a locked app with a wagi executor', async () => {
    const loaded = await loadManifest(await demoApp());
    const service = loaded.app.services.find((s) => s.name === 'greet')!;
    const bytes = await readFile(await guestPath('wagi-hello'));
    const cncf = JSON.parse(
      Buffer.from(buildWasmArtifact(loaded.app, service, bytes).config.data).toString(),
    );
    assert.equal(cncf.os, 'wasip1');
    assert.equal(cncf.component, undefined);
    const spin = buildWasmArtifact(loaded.app, service, bytes, { format: 'spin' });
    assert.equal(spin.config.descriptor.mediaType, MEDIA.spinConfig);
    assert.equal(spin.layers[0]!.descriptor.mediaType, MEDIA.spinLayer);
    const locked = JSON.parse(Buffer.from(spin.config.data).toString());
    assert.equal(locked.triggers[0].trigger_config.route, '/greet/...');
    assert.deepEqual(locked.triggers[0].trigger_config.executor, { type: 'wagi' });
    assert.equal(locked.components[0].source.content.digest, spin.layers[0]!.descriptor.digest);
  });

  test('bytes that are not wasm are refused, naming the service', async () => {
    const loaded = await loadManifest(await demoApp());
    assert.throws(
      () => buildWasmArtifact(loaded.app, loaded.app.services[0]!, Buffer.from('not wasm at all')),
      (e: unknown) => isWasmkubeError(e) && e.code === 'WASM_INVALID' && /service 'greet'/.test(e.message),
    );
  });
});

describe('OCI image layout', () => {
  test('folder and tarball round-trip; the tarball is the same bytes twice; corrupt blobs are caught', async () => {
    const config = blobOf(MEDIA.imageConfig, canonicalJson({ architecture: 'amd64', os: 'linux' }));
    const layer = blobOf(
      MEDIA.layerGzip,
      deterministicGzip(await deterministicTar([{ path: 'x', data: Buffer.from('x') }])),
    );
    const image = assembleImage(config, [layer]);
    const named = [{ name: 'demo:1', image }];
    const dir = await tempDir('wasmkube-layout-');
    await writeLayoutDir(join(dir, 'oci'), named);
    const back = await readLayout(join(dir, 'oci'));
    assert.equal(back[0]!.name, 'demo:1');
    assert.equal(back[0]!.image.manifest.descriptor.digest, image.manifest.descriptor.digest);
    const tar = await layoutTar(named);
    assert.deepEqual(tar, await layoutTar(named));
    await writeFile(join(dir, 'oci.tar'), tar);
    assert.equal(
      (await readLayout(join(dir, 'oci.tar')))[0]!.image.layers[0]!.descriptor.digest,
      layer.descriptor.digest,
    );
    await writeFile(join(dir, 'oci', 'blobs', 'sha256', layer.descriptor.digest.slice(7)), 'tampered');
    await assert.rejects(
      readLayout(join(dir, 'oci')),
      (e: unknown) => isWasmkubeError(e) && e.code === 'OCI_DIGEST',
    );
  });
});

describe('host layer', () => {
  test('holds what `up` imports at run time, not the Kubernetes client, build toolchains or binaryen', () => {
    const { sources, packages } = hostImportGraph();
    assert.ok(sources.includes('src/host/supervisor/worker.ts'));
    assert.ok(sources.includes('src/cli/commands/up.ts'));
    assert.ok(!sources.some((s) => s.startsWith('src/build/')), 'no guest build toolchain');
    for (const p of ['pino', 'yaml', 'zod', 'commander', 'jco-transpile-lean'])
      assert.ok(packages.includes(p), p);
    const closure = packageClosure(packages);
    for (const heavy of [
      '@kubernetes/client-node',
      'kubernetes-models',
      '@bytecodealliance/jco',
      'binaryen',
    ]) {
      assert.ok(!closure.includes(`node_modules/${heavy}`), heavy);
    }
    const files = hostLayerFiles();
    assert.ok(files.some((f) => f.path === 'opt/wasmkube/node_modules/pino/package.json'));
    assert.ok(!files.some((f) => f.path.endsWith('.d.ts')));
  });
});
