// Regression: `--insecure` made every registry plain HTTP, the base image's public one included
// (`GET http://registry-1.docker.io/…`). Now it covers the --registry host and loopback registries;
// any other host only through WASMKUBE_INSECURE_REGISTRIES. `registry.invalid` never resolves, so the
// URL in the error shows which scheme wasmkube used, without leaving the machine.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isLoopbackRegistry, plainHttpAllowed } from '../../src/oci/index.ts';
import { demoApp, removeTempDirs, wasmkube } from '../helpers/oci-app.ts';

after(removeTempDirs);

const packageWithBase = (app: string, env: NodeJS.ProcessEnv = {}) =>
  wasmkube(
    [
      'package',
      app,
      '--kind',
      'container',
      '--out',
      `${app}/oci`,
      '--base',
      'registry.invalid/library/node:24-slim',
      '--registry',
      '127.0.0.1:5000/acme',
      '--insecure',
    ],
    { WASMKUBE_INSECURE_REGISTRIES: '', ...env },
  );

describe('--insecure', () => {
  test('does not downgrade a base image on another host to plain HTTP', async () => {
    const app = await demoApp();
    const r = await packageWithBase(app);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /GET https:\/\/registry\.invalid\/v2\//);
    assert.doesNotMatch(r.stderr, /http:\/\/registry\.invalid/);
    assert.match(
      r.stderr,
      /list it in WASMKUBE_INSECURE_REGISTRIES \(--insecure covers only the --registry host and loopback\)/,
    );
    assert.match(r.stderr, /an offline machine needs/);
  });

  test('WASMKUBE_INSECURE_REGISTRIES still makes that host plain HTTP', async () => {
    const app = await demoApp();
    const r = await packageWithBase(app, { WASMKUBE_INSECURE_REGISTRIES: 'registry.invalid' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /GET http:\/\/registry\.invalid\/v2\//);
  });

  test('the rule: the named registry and loopback with --insecure, listed hosts always', () => {
    const none = {};
    const scope = { insecure: true, registry: 'reg.example:5000' };
    assert.equal(plainHttpAllowed('reg.example:5000', scope, none), true);
    assert.equal(plainHttpAllowed('registry-1.docker.io', scope, none), false);
    assert.equal(plainHttpAllowed('127.0.0.1:5000', scope, none), true);
    assert.equal(plainHttpAllowed('localhost:5000', scope, none), true);
    assert.equal(plainHttpAllowed('[::1]:5000', scope, none), true);
    assert.equal(plainHttpAllowed('127.0.0.1:5000', { registry: '127.0.0.1:5000' }, none), false);
    assert.equal(
      plainHttpAllowed('mirror.lan', {}, { WASMKUBE_INSECURE_REGISTRIES: 'a.lan, mirror.lan' }),
      true,
    );
    assert.equal(isLoopbackRegistry('127.0.0.1.nip.io:5000'), false);
    assert.equal(isLoopbackRegistry('localhost.example.com'), false);
  });
});
