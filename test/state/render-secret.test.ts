// Variables and stores on Kubernetes: `k8s render` puts secret values in a Secret and plain ones in a
// ConfigMap, each container gets only its own; running the rendered container's args and env (the
// Secret's values substituted, as the kubelet would) against the host, the guest reads the secret and
// its store is the Redis the Secret names. The OCI app layer holds neither .env nor a secret.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../../src/k8s/index.ts';
import { renderApp, renderManifests } from '../../src/k8s/index.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { appLayerFiles, readServiceFiles } from '../../src/oci/app-layer.ts';
import { guestPath } from '../helpers/guests.ts';
import { appDir, runCli, startUp } from '../helpers/host.ts';
import { type RedisServer, startRedis } from '../helpers/redis-server.ts';

const SECRET = 'render-time-secret-42';

const manifest = (js: string) => `apiVersion: wasmkube.dev/v1alpha1
name: shop
variables:
  api_key: { secret: true, required: true }
  greeting: { default: hello }
  db_password: { secret: true, secretRef: { name: shop-db, key: password } }
services:
  payments:
    source: ${js}
    routes: ["/..."]
    variables: [api_key, greeting, db_password]
    keyValue: [default]
  web:
    source: ${js}
    routes: ["/web"]
    variables: [greeting]
    kubernetes: { mode: wasm }
kubernetes:
  registry: registry.example.com/acme
  environments:
    prod:
      keyValue:
        default: { backend: redis, url: { secret: shop-redis, key: url } }
`;

type Env = { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string }> };
interface Container {
  args?: string[];
  env?: Env[];
}

function find(objects: readonly KubeObject[], kind: string, name: string): Record<string, unknown> {
  const o = objects.find((x) => x.kind === kind && (x.metadata as { name: string }).name === name);
  assert.ok(o, `rendered ${kind} ${name}`);
  return o as unknown as Record<string, unknown>;
}

const containerOf = (deployment: Record<string, unknown>): Container =>
  (deployment as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec
    .containers[0]!;

let dir: string;
let redis: RedisServer;

before(async () => {
  dir = await appDir(manifest(await guestPath('js-state')));
  redis = await startRedis({ password: 'redis-pw' });
});
after(async () => {
  await redis?.stop();
});

describe('k8s render of variables', () => {
  test('secrets go to a Secret, plain values to a ConfigMap; an unset required secret fails the render', async () => {
    const { app } = await loadManifest(dir);
    const objects = renderApp(app, { environment: { WASMKUBE_VAR_API_KEY: SECRET } });
    const cm = find(objects, 'ConfigMap', 'shop-variables');
    assert.deepEqual(cm.data, { greeting: 'hello' });
    const secret = find(objects, 'Secret', 'shop-secrets');
    assert.deepEqual(secret.data, { api_key: Buffer.from(SECRET).toString('base64') });
    const yaml = JSON.stringify(objects.filter((o) => o.kind !== 'Secret'));
    assert.ok(!yaml.includes(SECRET), 'the secret is in no object but the Secret');
    assert.throws(
      () => renderApp(app, { environment: {} }),
      /required variable 'api_key' has no value to render/,
    );
  });

  test('each container gets exactly its own variables; wasm mode as the guest environment', async () => {
    const { app } = await loadManifest(dir);
    const objects = renderApp(app, { environment: { WASMKUBE_VAR_API_KEY: SECRET } });
    const payments = containerOf(find(objects, 'Deployment', 'payments'));
    const names = (payments.env ?? []).map((e) => e.name);
    assert.deepEqual(names, [
      'WASMKUBE_STATE_DIR',
      'WASMKUBE_VAR_API_KEY',
      'WASMKUBE_VAR_DB_PASSWORD',
      'WASMKUBE_VAR_GREETING',
    ]);
    const byName = Object.fromEntries((payments.env ?? []).map((e) => [e.name, e]));
    assert.deepEqual(byName.WASMKUBE_VAR_DB_PASSWORD!.valueFrom, {
      secretKeyRef: { key: 'password', name: 'shop-db' },
    });
    const web = containerOf(find(objects, 'Deployment', 'web'));
    assert.deepEqual(
      (web.env ?? []).map((e) => [e.name, e.valueFrom]),
      [
        ['GREETING', { configMapKeyRef: { key: 'greeting', name: 'shop-variables' } }],
        ['SPIN_VARIABLE_GREETING', { configMapKeyRef: { key: 'greeting', name: 'shop-variables' } }],
      ],
    );
  });

  test('the rendered container command and env, run against the host, hand the guest the Secret', async () => {
    const { app } = await loadManifest(dir);
    const environment = { WASMKUBE_VAR_API_KEY: SECRET };
    const { objects } = await renderManifests(app, { environment, env: 'prod' });
    // What exists in the cluster besides what render made: the Secrets the manifest names.
    const existing: Record<string, Record<string, string>> = {
      'shop-db': { password: 'db-pw' },
      'shop-redis': { url: redis.url },
    };
    const rendered = find(objects, 'Secret', 'shop-secrets').data as Record<string, string>;
    const config = find(objects, 'ConfigMap', 'shop-variables').data as Record<string, string>;
    const secretValue = (name: string, key: string) =>
      name === 'shop-secrets' ? Buffer.from(rendered[key]!, 'base64').toString() : existing[name]?.[key];
    const c = containerOf(find(objects, 'Deployment', 'payments'));
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.secretKeyRef)
        env[e.name] = secretValue(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key)!;
      else if (e.valueFrom?.configMapKeyRef) env[e.name] = config[e.valueFrom.configMapKeyRef.key]!;
    }
    assert.equal(env.WASMKUBE_KEYVALUE_DEFAULT_URL, redis.url, 'prod: the store is the Redis of the Secret');
    // The image's /app is this folder; the pod's 0.0.0.0:8080 becomes a free loopback port.
    const args = c.args!.map((a) => (a === '/app' ? dir : a.startsWith('0.0.0.0:') ? '127.0.0.1:0' : a));
    assert.equal(args[0], 'up');
    const state = join(dir, 'pod-tmp');
    await mkdir(state);
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('WASMKUBE_VAR_') && !k.startsWith('SPIN_')),
    );
    const up = await startUp(args.slice(1), {
      env: { ...clean, ...env, WASMKUBE_STATE_DIR: state },
    });
    try {
      const get = async (p: string) => (await fetch(`${up.url}${p}`)).json();
      assert.deepEqual(await get('/config'), { api_key: SECRET, db_password: 'db-pw', greeting: 'hello' });
      assert.deepEqual(await get('/set/default/charged?value=yes'), { ok: true });
      const { createClient } = await import('redis');
      const client = createClient({ url: redis.url });
      await client.connect();
      assert.equal(await client.get('wasmkube:shop:default:charged'), 'yes');
      await client.close();
      assert.ok(!JSON.stringify(up.logs).includes(SECRET));
    } finally {
      await up.stop();
    }
  });
});

describe('OCI packaging', () => {
  test('the app layer holds neither .env nor the state folder nor a secret value', async () => {
    const wagi = await guestPath('wagi-test');
    const d = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: pkg
variables:
  api_key: { secret: true }
services:
  w: { source: ${wagi}, routes: ["/..."], variables: [api_key] }
`);
    await writeFile(join(d, '.env'), `api_key=${SECRET}\n`);
    await mkdir(join(d, '.wasmkube', 'state'), { recursive: true });
    await writeFile(join(d, '.wasmkube', 'state', 'pkg.kv.sqlite'), SECRET);
    const loaded = await loadManifest(d);
    const files = await appLayerFiles(loaded, await readServiceFiles(loaded));
    assert.ok(files.length > 0);
    for (const f of files) {
      assert.doesNotMatch(f.path, /\.env|\.wasmkube/);
      assert.ok(!Buffer.from(f.data).includes(SECRET), `${f.path} holds no secret`);
    }
  });
});

describe('wasmkube k8s render (the CLI)', () => {
  test('takes secret values from its environment; a missing required one fails with the fix', async () => {
    const ok = await runCli(['k8s', 'render', dir, '--env', 'prod'], {
      env: { WASMKUBE_VAR_API_KEY: SECRET },
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /kind: Secret/);
    assert.ok(ok.stdout.includes(Buffer.from(SECRET).toString('base64')));
    assert.ok(!ok.stdout.includes(SECRET), 'the value is only in the Secret, base64-encoded');
    assert.match(ok.stdout, /name: WASMKUBE_KEYVALUE_DEFAULT_URL/);
    const missing = await runCli(['k8s', 'render', dir], { env: { WASMKUBE_VAR_API_KEY: undefined } });
    assert.equal(missing.code, 78);
    assert.match(missing.stderr, /required variable 'api_key' has no value to render/);
    assert.match(missing.stderr, /WASMKUBE_VAR_API_KEY/);
  });
});
