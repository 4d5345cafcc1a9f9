// One host, the interface versions of different peers: a guest of wasmCloud v2/wasmtime's versions
// (wasi:config 0.2.0-rc.1, wasi:keyvalue 0.2.0-draft, u64 counters) and a Spin guest (config
// 0.2.0-draft-2024-09-27, keyvalue 0.2.0-draft2) share one store and read the same variable.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';

let up: UpProcess;

before(async () => {
  const [draft, spin] = await Promise.all([guestPath('kv-draft-component'), guestPath('js-state')]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: versions
host: { workers: 1 }
variables:
  greeting: { default: "hello from rc.1" }
services:
  draft: { source: ${draft}, routes: ["/draft"], variables: [greeting], keyValue: [default] }
  spin: { source: ${spin}, routes: ["/s/spin"], variables: [greeting], keyValue: [default] }
  nothing: { source: ${draft}, routes: ["/nothing"] }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

test('wasi:config 0.2.0-rc.1 and wasi:keyvalue 0.2.0-draft next to Spin versions, one store', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${up.url}/draft`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from rc.1');
  }
  const get = async (p: string) => (await fetch(`${up.url}${p}`)).json();
  assert.deepEqual(await get('/s/spin/get/default/hits'), { value: '3' }, 'draft counters are decimal text');
  assert.deepEqual(await get('/s/spin/incr/default/hits'), { value: '4' });
  assert.deepEqual(await get('/s/spin/config/greeting'), { value: 'hello from rc.1' });
});

test('a service that names no store cannot open one (this guest traps when open fails)', async () => {
  const res = await fetch(`${up.url}/nothing`);
  assert.equal(res.status, 500);
  const body = (await res.json()) as { error: { code: string } };
  assert.equal(body.error.code, 'GUEST_TRAP');
});
