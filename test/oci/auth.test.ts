// Registry auth with real servers: docker-registry behind htpasswd Basic auth (credentials from a
// DOCKER_CONFIG config.json, as `auth` or username/password), and a Bearer token flow served by a small
// token proxy on 127.0.0.1 in front of a real registry. Missing or wrong credentials leave no tag.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { packageApp, pullImage, pushImage, RegistryClient } from '../../src/oci/index.ts';
import { demoApp, removeTempDirs, tempDir, wasmkube } from '../helpers/oci-app.ts';
import { dockerConfig, startRegistry, type TestRegistry } from '../helpers/registry.ts';

let reg: TestRegistry;
let app: string;

before(async () => {
  reg = await startRegistry({ auth: true });
  app = await demoApp();
});
after(async () => {
  await reg?.stop();
  await removeTempDirs();
});

describe('Basic auth (htpasswd)', () => {
  test('no stored credentials: OCI_AUTH with a fix, exit 77, and no tag', async () => {
    const empty = await tempDir('wasmkube-no-creds-');
    const r = await wasmkube(
      ['push', app, '--registry', `${reg.host}/acme`, '--kind', 'wasm', '--insecure'],
      {
        DOCKER_CONFIG: empty,
      },
    );
    assert.equal(r.code, 77, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`error\\[OCI_AUTH\\]: ${reg.host} needs credentials and none are stored`),
    );
    assert.match(r.stderr, /fix: log in with `podman login/);
    const client = new RegistryClient(reg.host, { insecure: true, credentials: reg.user! });
    assert.equal(await client.hasManifest('acme/demo-hello', 'latest'), false);
  });

  test('a wrong password: OCI_AUTH naming the user', async () => {
    const cfg = await dockerConfig(reg.host, { username: reg.user!.username, password: 'wrong' });
    try {
      const r = await wasmkube(
        ['push', app, '--registry', `${reg.host}/acme`, '--kind', 'wasm', '--insecure'],
        {
          DOCKER_CONFIG: cfg.dir,
        },
      );
      assert.equal(r.code, 77, r.stderr);
      assert.match(r.stderr, /error\[OCI_AUTH\]: .*rejected the credentials of user wasmkube/);
    } finally {
      await cfg.cleanup();
    }
  });

  test('credentials from config.json (`auth`) push; username/password pull', async () => {
    const auth = await dockerConfig(reg.host, reg.user!, 'auth');
    const plain = await dockerConfig(reg.host, reg.user!, 'plain');
    try {
      const pushed = await wasmkube(
        ['push', app, '--registry', `${reg.host}/acme`, '--kind', 'wasm', '--insecure'],
        {
          DOCKER_CONFIG: auth.dir,
        },
      );
      assert.equal(pushed.code, 0, pushed.stderr);
      const out = await tempDir('wasmkube-auth-pull-');
      const pulled = await wasmkube(['pull', `${reg.host}/acme/demo-greet`, '--out', out, '--insecure'], {
        DOCKER_CONFIG: plain.dir,
      });
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.ok(pushed.stdout.includes(pulled.stdout.trim()), `${pushed.stdout} has ${pulled.stdout}`);
    } finally {
      await auth.cleanup();
      await plain.cleanup();
    }
  });
});

/** A Bearer token service and gatekeeper in front of a registry without auth of its own. */
async function tokenProxy(upstream: string, user: { username: string; password: string }) {
  const token = `tok-${Math.random().toString(36).slice(2)}`;
  const scopes: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
      if (req.headers.authorization !== basic) {
        res.writeHead(401).end();
        return;
      }
      scopes.push(...url.searchParams.getAll('scope'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      const { port } = server.address() as AddressInfo;
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="wasmkube-test"`,
        })
        .end();
      return;
    }
    const [host, port] = upstream.split(':');
    const fwd = http.request(
      { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      },
    );
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    scopes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('Bearer tokens', () => {
  test('trades credentials for a token with pull/push scopes; anonymous is refused', async () => {
    const plainReg = await startRegistry();
    const proxy = await tokenProxy(plainReg.host, { username: 'ci', password: 'token-pw' });
    try {
      const loaded = await loadManifest(app);
      const image = (await packageApp(loaded, { kind: 'wasm' })).images[0]!.image;
      const pushed = await pushImage(`${proxy.host}/bearer/greet:1`, image, {
        insecure: true,
        credentials: { username: 'ci', password: 'token-pw' },
      });
      assert.equal(pushed.uploaded.blobs, 2);
      assert.ok(proxy.scopes.includes('repository:bearer/greet:pull,push'), proxy.scopes.join());
      const back = await pullImage(`${proxy.host}/bearer/greet:1`, {
        insecure: true,
        credentials: { username: 'ci', password: 'token-pw' },
      });
      assert.equal(back.digest, pushed.digest);
      const empty = await tempDir('wasmkube-no-creds-');
      const saved = process.env.DOCKER_CONFIG;
      process.env.DOCKER_CONFIG = empty;
      try {
        await assert.rejects(
          pullImage(`${proxy.host}/bearer/greet:1`, { insecure: true }),
          (e: unknown) =>
            isWasmkubeError(e) &&
            e.code === 'OCI_AUTH' &&
            /token service .* refused anonymous/.test(e.message),
        );
      } finally {
        if (saved === undefined) delete process.env.DOCKER_CONFIG;
        else process.env.DOCKER_CONFIG = saved;
      }
    } finally {
      await proxy.close();
      await plainReg.stop();
    }
  });
});
