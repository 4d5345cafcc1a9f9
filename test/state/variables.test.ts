// Variables over real sockets: a value from each source (default, .env, WASMKUBE_VAR_, SPIN_VARIABLE_),
// each service sees only its own (wasi:config and its environment; WAGI too), a secret never reaches
// the host's log or /metrics, a required variable missing stops start-up, and the manifest errors.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManifestError, parseManifest } from '../../src/manifest/index.ts';
import { guestPath } from '../helpers/guests.ts';
import { appDir, runCli, startUp, type UpProcess } from '../helpers/host.ts';

const SECRET = 'sk-live-0a1b2c3d4e5f';

function manifest(js: string, wagi: string): string {
  return `apiVersion: wasmkube.dev/v1alpha1
name: vars
host: { workers: 1 }
variables:
  from_default: { default: from-manifest }
  from_dotenv: { default: overridden }
  from_env: { default: overridden }
  from_spin: {}
  api_key: { secret: true, required: true }
  b_only: { default: bee }
services:
  a:
    source: ${js}
    routes: ["/s/a"]
    variables: [from_default, from_dotenv, from_env, from_spin, api_key]
  b:
    source: ${js}
    routes: ["/s/b"]
    variables: [b_only]
  w:
    source: ${wagi}
    routes: ["/w"]
    variables: [from_default, api_key]
`;
}

let up: UpProcess;
let dir: string;

before(async () => {
  const [js, wagi] = await Promise.all([guestPath('js-state'), guestPath('wagi-test')]);
  dir = await appDir(manifest(js, wagi));
  await writeFile(
    join(dir, '.env'),
    [
      '# values for `up` on this machine',
      'from_dotenv=from-dotenv',
      'WASMKUBE_VAR_FROM_ENV="from .env, loses to the environment"',
    ].join('\n'),
  );
  up = await startUp([dir], {
    env: {
      WASMKUBE_VAR_FROM_ENV: 'from-environment',
      SPIN_VARIABLE_FROM_SPIN: 'from-spin-env',
      WASMKUBE_VAR_API_KEY: SECRET,
    },
  });
});

after(async () => {
  await up?.stop();
});

const get = async (path: string) =>
  (await fetch(`${up.url}${path}`)).json() as Promise<Record<string, unknown>>;

describe('variables', () => {
  test('a value from each source, in order: default, .env, environment (WASMKUBE_VAR_ and SPIN_VARIABLE_)', async () => {
    assert.deepEqual(await get('/s/a/config'), {
      api_key: SECRET,
      from_default: 'from-manifest',
      from_dotenv: 'from-dotenv',
      from_env: 'from-environment',
      from_spin: 'from-spin-env',
    });
    assert.deepEqual(await get('/s/a/config/from_env'), { value: 'from-environment' });
  });

  test("a service sees only its own variables, never another's", async () => {
    assert.deepEqual(await get('/s/b/config'), { b_only: 'bee' });
    assert.deepEqual(await get('/s/b/config/api_key'), { value: null });
    assert.deepEqual(await get('/s/a/config/b_only'), { value: null });
  });

  test('components read them from their environment too, only their own', async () => {
    const env = await get('/s/a/env');
    assert.equal(env.FROM_DEFAULT, 'from-manifest');
    assert.equal(env.FROM_SPIN, 'from-spin-env');
    assert.equal(env.B_ONLY, undefined);
    const b = await get('/s/b/env');
    assert.equal(b.B_ONLY, 'bee');
    assert.equal(b.API_KEY, undefined);
  });

  test('a WAGI module reads them as environment variables', async () => {
    const text = await (await fetch(`${up.url}/w/env`)).text();
    assert.match(text, /^FROM_DEFAULT=from-manifest$/m);
    assert.match(text, new RegExp(`^API_KEY=${SECRET}$`, 'm'));
    assert.doesNotMatch(text, /B_ONLY/);
  });

  test('a secret never shows in the host log or /metrics, even when the guest prints it', async () => {
    assert.deepEqual(await get('/s/a/log/api_key'), { logged: true });
    const line = await up.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('the value is'));
    assert.equal(line.msg, 'the value is [redacted]');
    const metrics = await (await fetch(`${up.url}/metrics`)).text();
    assert.match(metrics, /wasmkube_/);
    assert.ok(!metrics.includes(SECRET), '/metrics holds no secret');
    assert.ok(!JSON.stringify(up.logs).includes(SECRET), 'no log line holds the secret');
    assert.ok(!up.stderr().includes(SECRET), 'stderr holds no secret');
  });
});

describe('a required variable without a value', () => {
  test('stops start-up with its name and how to set it', async () => {
    const js = await guestPath('js-state');
    const bare = await appDir(manifest(js, await guestPath('wagi-test')));
    const r = await runCli(['up', bare, '--listen', '127.0.0.1:0'], {
      env: { WASMKUBE_VAR_API_KEY: undefined as unknown as string },
    });
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /required variable 'api_key' has no value/);
    assert.match(r.stderr, /WASMKUBE_VAR_API_KEY=/);
    assert.match(r.stderr, /\.env/);
  });
});

describe('manifest checks', () => {
  const base = (extra: string) =>
    `apiVersion: wasmkube.dev/v1alpha1\nname: m\n${extra}services:\n  a:\n    source: a.wasm\n    routes: ["/"]\n    variables: [api_key]\n`;
  const issues = (text: string) => {
    try {
      parseManifest(text, 'wasmkube.yaml');
    } catch (err) {
      assert.ok(err instanceof ManifestError, String(err));
      return err.issues;
    }
    assert.fail('the manifest was accepted');
  };

  test('a service naming an undeclared variable: file, line, field and fix', () => {
    const [issue] = issues(base(''));
    assert.equal(issue!.file, 'wasmkube.yaml');
    assert.equal(issue!.line, 7);
    assert.equal(issue!.path, 'services.a.variables[0]');
    assert.match(issue!.message, /'api_key', which the app does not declare/);
    assert.match(issue!.fix, /declare it under variables:/);
  });

  test("names follow Spin's rules; a secret cannot have a default", () => {
    const bad = issues(base('variables:\n  API-KEY: {}\n  api_key: { secret: true, default: x }\n'));
    assert.ok(bad.some((i) => /not a valid variable name/.test(i.message) && /lowercase/.test(i.fix)));
    assert.ok(
      bad.some(
        (i) => i.path === 'variables.api_key.default' && /secret cannot have a default/.test(i.message),
      ),
    );
  });
});
