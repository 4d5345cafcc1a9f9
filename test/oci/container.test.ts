// The container image really runs: a Node.js 24 base image built from this machine's files is pushed
// to a real registry (as an index), the app image is built on it and pushed, and podman + runc run it
// read-only as a non-root user; /health and the services answer 200.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { NODE_FLAGS } from '../../bin/node-flags.js';
import { isWasmkubeError } from '../../src/errors.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { packageApp, pullImage, readTar, sha256, writeLayoutDir } from '../../src/oci/index.ts';
import { buildNodeBaseImage, pushNodeBaseImage } from '../helpers/base-image.ts';
import { startUp } from '../helpers/host.ts';
import { DEMO_MANIFEST, demoApp, removeTempDirs, tempDir, wasmkube } from '../helpers/oci-app.ts';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.ts';

const run = promisify(execFile);
const podman = (...args: string[]) => run('podman', args, { maxBuffer: 16 * 1024 * 1024 });

let reg: TestRegistry;
let app: string;
let base: string;
const containers: string[] = [];
const images: string[] = [];

before(async () => {
  reg = await startRegistry();
  app = await demoApp();
  base = `${reg.host}/base/node:24`;
  await pushNodeBaseImage(base, { insecure: true });
});
after(async () => {
  for (const c of containers) await podman('rm', '-f', '-t', '0', c).catch(() => {});
  for (const i of images) await podman('rmi', '-f', i).catch(() => {});
  await reg?.stop();
  await removeTempDirs();
});

async function waitHealthy(url: string, container: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  const logs = await podman('logs', container).catch((e) => ({ stdout: '', stderr: String(e) }));
  throw new Error(`container never became healthy:\n${logs.stdout}${logs.stderr}`);
}

describe('container image', () => {
  test('push on a base from the registry (index → linux/amd64), run with podman read-only as non-root', async () => {
    const env = { WASMKUBE_CACHE_DIR: await tempDir('wasmkube-cache-') };
    const pushed = await wasmkube(
      ['push', app, '--registry', `${reg.host}/acme`, '--kind', 'container', '--base', base, '--insecure'],
      env,
    );
    assert.equal(pushed.code, 0, pushed.stderr);
    const ref = pushed.stdout.trim();
    assert.match(ref, new RegExp(`^${reg.host}/acme/demo:latest@sha256:[0-9a-f]{64}$`));
    // The base layer is on the registry already: mounted from base/node, not uploaded again.
    assert.match(pushed.stderr, /pushed .*demo:latest: 3 blob\(s\) uploaded .* 0 already there, 1 mounted/);

    const pulled = await pullImage(`${reg.host}/acme/demo:latest`, { insecure: true });
    const config = JSON.parse(Buffer.from(pulled.image.config.data).toString());
    assert.equal(config.architecture, 'amd64', 'the linux/amd64 image of the base index');
    assert.equal(config.config.User, '65532:65532');
    assert.deepEqual(Object.keys(config.config.ExposedPorts), ['8080/tcp']);
    assert.deepEqual(config.config.Entrypoint, ['node', ...NODE_FLAGS, '/opt/wasmkube/bin/wasmkube.js']);
    assert.ok(config.config.Env.includes('WASMKUBE_CACHE_DIR=/app/.cache'));
    const appLayer = await readTar(pulled.image.layers.at(-1)!.data);
    const helloDigest = sha256(await readFile(join(app, 'hello.wasm'))).slice(7);
    // Written by the host's own transpileComponent into a staging cache: whatever its layout, the
    // entries are keyed by the component's sha256.
    assert.ok(
      appLayer.some(
        (f) => f.path.startsWith('app/.cache/') && f.path.includes(helloDigest) && f.path.endsWith('.js'),
      ),
      'the component is pre-transpiled into the host cache format',
    );
    assert.ok(appLayer.some((f) => f.path === 'app/services/greet.wasm'));
    const shipped = Buffer.from(appLayer.find((f) => f.path === 'app/wasmkube.yaml')!.data!).toString();
    assert.match(shipped, /source: services\/hello\.wasm/);

    const image = `${reg.host}/acme/demo:latest`;
    images.push(image);
    await podman('pull', '--tls-verify=false', '-q', image);
    const port = await freePort();
    const name = `wasmkube-test-${process.pid}`;
    containers.push(name);
    await podman(
      'run',
      '-d',
      '--name',
      name,
      '--runtime',
      'runc',
      '--ulimit',
      'nofile=20000:20000',
      '--ulimit',
      'nproc=4096:4096',
      '--read-only',
      '-p',
      `127.0.0.1:${port}:8080`,
      image,
    );
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, name);
    const hello = await fetch(`${url}/hello`);
    assert.equal(hello.status, 200);
    assert.equal(await hello.text(), 'hello from wasm\n');
    const greet = await fetch(`${url}/greet`);
    assert.equal(greet.status, 200);
    assert.equal(await greet.text(), 'hello from wagi\n');

    const probe = await podman(
      'exec',
      name,
      'node',
      '-e',
      `const fs = require('fs');
       const tryWrite = (p) => { try { fs.writeFileSync(p, 'x'); return 'ok'; } catch (e) { return e.code; } };
       console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), app: tryWrite('/app/x'),
         root: tryWrite('/x'), tmp: tryWrite('/tmp/x'), data: tryWrite('/data/x') }));`,
    );
    assert.deepEqual(JSON.parse(probe.stdout), {
      uid: 65532,
      gid: 65532,
      app: 'EROFS',
      root: 'EROFS',
      tmp: 'ok',
      data: 'ok',
    });
    const inspect = await podman(
      'inspect',
      name,
      '--format',
      '{{.HostConfig.ReadonlyRootfs}} {{.Config.User}}',
    );
    assert.equal(inspect.stdout.trim(), 'true 65532:65532');

    // The same image, run by wasmkube itself from the registry.
    const local = await startUp([`oci://${image}`], {
      env: { ...env, WASMKUBE_INSECURE_REGISTRIES: reg.host },
    });
    try {
      assert.equal(await (await fetch(`${local.url}/greet`)).text(), 'hello from wagi\n');
    } finally {
      await local.stop();
    }

    const from = await wasmkube(['up', '--from', `oci://${image}`], {
      ...env,
      WASMKUBE_INSECURE_REGISTRIES: reg.host,
    });
    assert.equal(from.code, 64, from.stderr);
    assert.match(
      from.stderr,
      /error\[BAD_ARGUMENT\]: --from oci:.* is a wasmkube app image, not one component/,
    );

    // Only the app changed: the rebuild pushes the app layer and the config, nothing else.
    await writeFile(join(app, 'wasmkube.yaml'), DEMO_MANIFEST.replace('"/greet"', '"/greetings"'));
    const again = await wasmkube(
      ['push', app, '--registry', `${reg.host}/acme`, '--kind', 'container', '--base', base, '--insecure'],
      env,
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /demo:latest: 2 blob\(s\) uploaded .* 2 already there, 0 mounted/);
    await writeFile(join(app, 'wasmkube.yaml'), DEMO_MANIFEST);
  });

  test('a base index without the platform: OCI_UNSUPPORTED listing what it has', async () => {
    await assert.rejects(
      pullImage(base, { insecure: true, platform: 'linux/s390x' }),
      (e: unknown) =>
        isWasmkubeError(e) &&
        e.code === 'OCI_UNSUPPORTED' &&
        /has no linux\/s390x image \(it has linux\/arm64, linux\/amd64\)/.test(e.message),
    );
    const r = await wasmkube([
      'package',
      app,
      '--kind',
      'container',
      '--base',
      base,
      '--insecure',
      '--platform',
      'amd64',
    ]);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /error\[BAD_ARGUMENT\]: --platform amd64 is not os\/architecture/);
  });

  test('reproducible: the same app on the same base gives the same digest; package writes layout, tar and Dockerfile', async () => {
    const dir = await tempDir('wasmkube-base-layout-');
    await writeLayoutDir(join(dir, 'base'), [{ name: 'node:24', image: await buildNodeBaseImage() }]);
    const loaded = await loadManifest(app);
    const digest = async () => {
      const pkg = await packageApp(loaded, { kind: 'container', base: join(dir, 'base'), gzipLevel: 1 });
      return pkg.images[0]!.image.manifest.descriptor.digest;
    };
    assert.equal(await digest(), await digest());

    const out = join(dir, 'out');
    const r = await wasmkube([
      'package',
      app,
      '--kind',
      'all',
      '--base',
      join(dir, 'base'),
      '--out',
      out,
      '--tar',
      join(dir, 'demo.tar'),
      '--dockerfile',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('@')[0])
        .sort(),
      ['demo-greet:latest', 'demo-hello:latest', 'demo:latest'],
    );
    assert.ok(existsSync(join(out, 'index.json')) && existsSync(join(dir, 'demo.tar')));
    const dockerfile = await readFile(join(out, 'docker', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^USER 65532:65532$/m);
    assert.match(
      dockerfile,
      /^ENTRYPOINT \["node","--max-semi-space-size=4","\/opt\/wasmkube\/bin\/wasmkube.js"\]$/m,
    );
    assert.ok(existsSync(join(out, 'docker', 'app', 'services', 'hello.wasm')));
    assert.ok(existsSync(join(out, 'docker', 'opt', 'wasmkube', 'bin', 'wasmkube.js')));
  });
});
