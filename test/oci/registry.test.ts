// Push, pull and run Wasm artifacts against a real registry (Debian's docker-registry on 127.0.0.1):
// skipping blobs it has, cross-repository mounts, chunked uploads, reproducible digests, and the
// failures: corrupt blobs, wrong digests, plain HTTP without --insecure, a connection that drops.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { isWasmkubeError } from '../../src/errors.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import {
  assembleImage,
  blobOf,
  canonicalJson,
  MEDIA,
  packageApp,
  pullImage,
  pushImage,
  RegistryClient,
} from '../../src/oci/index.ts';
import { guestPath } from '../helpers/guests.ts';
import { startUp } from '../helpers/host.ts';
import { demoApp, removeTempDirs, tempDir, wasmkube } from '../helpers/oci-app.ts';
import { startRegistry, type TestRegistry } from '../helpers/registry.ts';

const run = promisify(execFile);

let reg: TestRegistry;
let app: string;
let cache: string;

before(async () => {
  reg = await startRegistry();
  app = await demoApp();
  cache = await tempDir('wasmkube-oci-cache-');
});
after(async () => {
  await reg?.stop();
  await removeTempDirs();
});

async function wasmArtifact(service = 'hello') {
  const loaded = await loadManifest(app);
  const pkg = await packageApp(loaded, { kind: 'wasm', registry: `${reg.host}/acme` });
  return pkg.images.find((i) => i.service === service)!.image;
}

describe('Wasm artifacts through a registry', () => {
  test('wasmkube push, push again (nothing uploaded), pull: same bytes back', async () => {
    const env = { WASMKUBE_CACHE_DIR: cache };
    const first = await wasmkube(
      ['push', app, '--registry', `${reg.host}/acme`, '--kind', 'wasm', '--insecure'],
      env,
    );
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^${reg.host}/acme/demo-greet:latest@sha256:[0-9a-f]{64}$`));
    assert.match(lines[1]!, new RegExp(`^${reg.host}/acme/demo-hello:latest@sha256:[0-9a-f]{64}$`));
    assert.match(first.stderr, /pushed .*demo-hello:latest: 2 blob\(s\) uploaded/);

    const again = await wasmkube(
      ['push', app, '--registry', `${reg.host}/acme`, '--kind', 'wasm', '--insecure'],
      env,
    );
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.stdout.trim().split('\n').sort(), lines, 'same digests');
    assert.match(again.stderr, /demo-hello:latest: 0 blob\(s\) uploaded \(0 bytes\), 2 already there/);

    const out = await tempDir('wasmkube-pull-');
    const pulled = await wasmkube(
      ['pull', `${reg.host}/acme/demo-hello:latest`, '--out', out, '--insecure'],
      env,
    );
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.stdout.trim(), lines[1]);
    assert.deepEqual(await readFile(join(out, 'demo-hello.wasm')), await readFile(join(app, 'hello.wasm')));
    assert.ok(existsSync(join(out, 'index.json')) && existsSync(join(out, 'oci-layout')));
  });

  test('wasmkube up oci://… serves the artifact, and a manifest source oci://… is pulled too', async () => {
    await pushImage(`${reg.host}/acme/demo-hello:run`, await wasmArtifact('hello'), { insecure: true });
    await pushImage(`${reg.host}/acme/demo-greet:run`, await wasmArtifact('greet'), { insecure: true });
    const env = { WASMKUBE_CACHE_DIR: cache, WASMKUBE_INSECURE_REGISTRIES: reg.host };
    const one = await startUp([`oci://${reg.host}/acme/demo-hello:run`], { env });
    try {
      const res = await fetch(`${one.url}/anything`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello from wasm\n');
    } finally {
      await one.stop();
    }
    const dir = await tempDir('wasmkube-oci-source-');
    await writeFile(
      join(dir, 'wasmkube.yaml'),
      `apiVersion: wasmkube.dev/v1alpha1\nname: remote\nservices:\n  greet:\n    source: oci://${reg.host}/acme/demo-greet:run\n    routes: ["/greet"]\n`,
    );
    const two = await startUp([dir], { env });
    try {
      const res = await fetch(`${two.url}/greet`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello from wagi\n');
    } finally {
      await two.stop();
    }
  });

  test('a blob another repository has is mounted, not uploaded', async () => {
    const image = await wasmArtifact();
    const a = await pushImage(`${reg.host}/mount/source:1`, image, { insecure: true });
    assert.equal(a.uploaded.blobs, 2);
    const mountFrom = new Map(
      [image.config, ...image.layers].map((b) => [b.descriptor.digest, 'mount/source']),
    );
    const b = await pushImage(`${reg.host}/mount/target:1`, image, { insecure: true, mountFrom });
    assert.deepEqual([b.mounted, b.uploaded.blobs, b.skipped], [2, 0, 0]);
    const back = await pullImage(`${reg.host}/mount/target:1`, { insecure: true });
    assert.equal(back.digest, a.digest);
  });

  test('chunked upload: PATCH chunks, then the pull verifies the whole blob', async () => {
    const image = await wasmArtifact();
    const methods: string[] = [];
    const counting: typeof fetch = (input, init) => {
      methods.push(init?.method ?? 'GET');
      return fetch(input, init);
    };
    await pushImage(`${reg.host}/chunked/hello:1`, image, {
      insecure: true,
      chunkSize: 1000,
      fetch: counting,
    });
    const size = image.layers[0]!.data.byteLength;
    assert.ok(size > 3000);
    assert.equal(methods.filter((m) => m === 'PATCH').length, Math.ceil(size / 1000));
    const back = await pullImage(`${reg.host}/chunked/hello:1`, { insecure: true });
    assert.ok(Buffer.from(back.image.layers[0]!.data).equals(image.layers[0]!.data));
  });

  test('skopeo reads the layout tarball and folder: what it copies to the registry keeps our digests', async () => {
    const dir = await tempDir('wasmkube-skopeo-');
    const r = await wasmkube([
      'package',
      app,
      '--kind',
      'wasm',
      '--out',
      join(dir, 'oci'),
      '--tar',
      join(dir, 'oci.tar'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const digests = new Map(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]!.split('@') as [string, string]),
    );
    for (const [source, name] of [
      [`oci-archive:${join(dir, 'oci.tar')}:demo-hello:latest`, 'demo-hello:latest'],
      [`oci:${join(dir, 'oci')}:demo-greet:latest`, 'demo-greet:latest'],
    ] as const) {
      const target = `${reg.host}/skopeo/${name}`;
      await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', source, `docker://${target}`]);
      assert.equal((await pullImage(target, { insecure: true })).digest, digests.get(name), name);
    }
  });

  test('packaging twice gives the same digests', async () => {
    const loaded = await loadManifest(app);
    const digests = async () =>
      (await packageApp(loaded, { kind: 'wasm', format: 'spin' })).images.map(
        (i) => i.image.manifest.descriptor.digest,
      );
    assert.deepEqual(await digests(), await digests());
  });
});

describe('registry failures leave nothing half-pushed', () => {
  test('a corrupt blob in the registry fails the pull with OCI_DIGEST and writes nothing', async () => {
    const image = await wasmArtifact();
    await pushImage(`${reg.host}/corrupt/hello:1`, image, { insecure: true });
    const layer = image.layers[0]!.descriptor.digest;
    const data = Buffer.from(image.layers[0]!.data);
    data[100] = (data[100]! + 1) % 256;
    await writeFile(reg.blobFile(layer), data);
    const out = await tempDir('wasmkube-pull-corrupt-');
    const r = await wasmkube(['pull', `${reg.host}/corrupt/hello:1`, '--out', join(out, 'x'), '--insecure']);
    assert.equal(r.code, 65, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`error\\[OCI_DIGEST\\]: .*does not match its digest \\(expected ${layer}`),
    );
    assert.match(r.stderr, /fix: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.ok(!existsSync(join(out, 'x')));
  });

  test('a blob pushed under the wrong digest is refused and no tag is written', async () => {
    const good = await wasmArtifact();
    const lying = blobOf(MEDIA.wasmLayer, good.layers[0]!.data);
    const wrong = {
      descriptor: { ...lying.descriptor, digest: `sha256:${'0'.repeat(64)}` },
      data: lying.data,
    };
    const image = assembleImage(
      blobOf(MEDIA.wasmConfig, canonicalJson({ architecture: 'wasm', os: 'wasip2' })),
      [wrong],
    );
    await assert.rejects(
      pushImage(`${reg.host}/wrong/hello:1`, image, { insecure: true }),
      (e: unknown) => isWasmkubeError(e) && e.code === 'OCI_DIGEST' && /DIGEST_INVALID/.test(e.message),
    );
    assert.equal(
      await new RegistryClient(reg.host, { insecure: true }).hasManifest('wrong/hello', '1'),
      false,
    );
  });

  test('plain HTTP without --insecure: a clear error that says to pass --insecure', async () => {
    const r = await wasmkube(['push', app, '--registry', `${reg.host}/acme`, '--kind', 'wasm']);
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /error\[OCI_NETWORK\]: 127\.0\.0\.1:\d+: .*connection failed/);
    assert.match(r.stderr, /fix: .*--insecure/);
  });

  test('503 answers are retried with backoff, then the push goes through', async () => {
    // A real HTTP hop in front of the real registry that fails the first two upload starts with 503.
    const [rhost, rport] = reg.host.split(':');
    let failed = 0;
    const proxy = http.createServer((req, res) => {
      if (req.method === 'POST' && failed < 2) {
        failed++;
        req.resume();
        res.writeHead(503).end();
        return;
      }
      const fwd = http.request(
        { host: rhost, port: Number(rport), method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode!, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', () => res.destroy());
      req.pipe(fwd);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      const pushed = await pushImage(`${host}/flaky/hello:1`, await wasmArtifact(), {
        insecure: true,
        backoffMs: 10,
      });
      assert.equal(failed, 2);
      assert.equal(pushed.uploaded.blobs, 2);
      assert.equal(
        await new RegistryClient(reg.host, { insecure: true }).hasManifest('flaky/hello', '1'),
        true,
      );
    } finally {
      proxy.close();
    }
  });

  test('a registry that drops the connection: retried, then OCI_NETWORK, and no tag', async () => {
    // A real socket in front of the real registry that cuts every connection once a request body
    // passes 2 KB: manifests and HEADs get through, blob uploads never do.
    const [rhost, rport] = reg.host.split(':');
    let cut = 0;
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(rport), rhost!);
      let sent = 0;
      client.on('data', (d) => {
        sent += d.length;
        if (sent > 2048) {
          cut++;
          client.destroy();
          upstream.destroy();
        } else upstream.write(d);
      });
      upstream.on('data', (d) => client.write(d));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      await assert.rejects(
        pushImage(`${host}/dropped/hello:1`, await wasmArtifact(), {
          insecure: true,
          attempts: 3,
          backoffMs: 10,
        }),
        (e: unknown) =>
          isWasmkubeError(e) &&
          e.code === 'OCI_NETWORK' &&
          /connection failed/.test(e.message) &&
          e.fix !== undefined,
      );
      assert.ok(cut >= 3, `retried (${cut} connections cut)`);
      assert.equal(
        await new RegistryClient(reg.host, { insecure: true }).hasManifest('dropped/hello', '1'),
        false,
      );
    } finally {
      proxy.close();
    }
  });
});

test('guest fixture is the real hello-component', async () => {
  assert.deepEqual(
    await readFile(join(app, 'hello.wasm')),
    await readFile(await guestPath('hello-component')),
  );
});
