// Regression: Basic credentials went to whatever token realm a registry's challenge named, http:// or
// another host. Now an https registry's realm must be https:// (nothing is sent otherwise), and a realm
// on another host gets a warning on stderr. Real servers: an HTTPS gatekeeper with a self-signed
// certificate (trusted through NODE_EXTRA_CA_CERTS), a plain-HTTP one, and a token service.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removeTempDirs, tempDir, wasmkube } from '../helpers/oci-app.ts';
import { dockerConfig } from '../helpers/registry.ts';

const user = { username: 'ci', password: 'secret-pw' };
let certs: { key: Buffer; cert: Buffer; file: string };

before(async () => {
  const dir = await tempDir('wasmkube-tls-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  certs = {
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    file: join(dir, 'cert.pem'),
  };
});
after(removeTempDirs);

/** A token service that records every request (and whether it carried credentials). */
async function tokenService() {
  const seen: { authorization?: string }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 't' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A registry front that answers every request with a Bearer challenge naming `realm`. */
async function challenger(realm: string, tls: boolean) {
  const handler: http.RequestListener = (_req, res) => {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="test"` }).end();
  };
  const server = tls
    ? https.createServer({ key: certs.key, cert: certs.cert }, handler)
    : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('token realms', () => {
  test('an https registry naming an http:// realm: OCI_AUTH, and the token service sees nothing', async () => {
    const tokens = await tokenService();
    const reg = await challenger(`http://127.0.0.1:${tokens.port}/token`, true);
    const cfg = await dockerConfig(reg.host, user);
    try {
      const out = await tempDir('wasmkube-realm-pull-');
      const r = await wasmkube(['pull', `${reg.host}/acme/app:1`, '--out', out], {
        DOCKER_CONFIG: cfg.dir,
        NODE_EXTRA_CA_CERTS: certs.file,
      });
      assert.equal(r.code, 77, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `error\\[OCI_AUTH\\]: ${reg.host} asked for its token at http://127\\.0\\.0\\.1:${tokens.port}, which is not https://`,
        ),
      );
      assert.match(r.stderr, /fix: the registry's token realm must be https:\/\//);
      assert.deepEqual(tokens.seen, [], 'no request, so no credentials, reached the http:// realm');
    } finally {
      await cfg.cleanup();
      await reg.close();
      await tokens.close();
    }
  });

  test('a plain-HTTP registry may use an http:// realm; one on another host is warned about', async () => {
    const tokens = await tokenService();
    // `localhost` is another host than `127.0.0.1` as far as credentials are concerned.
    const reg = await challenger(`http://localhost:${tokens.port}/token`, false);
    const cfg = await dockerConfig(reg.host, user);
    try {
      const out = await tempDir('wasmkube-realm-pull-');
      const r = await wasmkube(['pull', `${reg.host}/acme/app:1`, '--out', out, '--insecure'], {
        DOCKER_CONFIG: cfg.dir,
      });
      assert.match(
        r.stderr,
        new RegExp(
          `wasmkube: warning: ${reg.host} sends credentials of user ci to a token service on another host, http://localhost:${tokens.port}`,
        ),
      );
      assert.equal(tokens.seen.length, 1, 'the token was asked for once');
      // The front refuses the token too: the pull fails on auth, after the warning.
      assert.equal(r.code, 77, r.stderr);
    } finally {
      await cfg.cleanup();
      await reg.close();
      await tokens.close();
    }
  });
});
