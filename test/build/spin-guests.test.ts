// Guests written the Spin SDK way (a Hono app with `fire()`, an itty-router app with a plain
// `addEventListener('fetch')`), built by the `spin` toolchain: they answer every request under `up`.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildServices } from '../../src/app/build-services.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { ROOT, runCli, startUp, type UpProcess } from '../helpers/host.ts';

const APP = join(ROOT, 'guests/spin');
let up: UpProcess;

before(async () => {
  // Cached by content after the first run: componentize-js takes 10-50 s and ~800 MB per guest.
  const { app } = await loadManifest(APP);
  await buildServices(app, { concurrency: 2 });
  up = await startUp([APP, '--workers', '1']);
});

after(async () => {
  await up?.stop();
});

test('a fetch-event guest is detected and answers every request on a fresh instance', async () => {
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${up.url}/hono/count`);
    assert.equal(res.status, 200, `request ${i + 1}`);
    assert.deepEqual(await res.json(), { served: 1 });
  }
  assert.equal(await (await fetch(`${up.url}/hono/echo`, { method: 'POST', body: 'abc' })).text(), 'abc');
  const notice = up.logs.find((l) => l.service === 'hono' && l.level === 'warn');
  assert.match(String(notice?.msg), /fetch-event guest .* fresh instance per request/);
});

test('the same Hono app as an incomingHandler export keeps its instance (reuse)', async () => {
  const counts: number[] = [];
  for (let i = 0; i < 3; i++)
    counts.push(((await (await fetch(`${up.url}/hono-reuse/count`)).json()) as { served: number }).served);
  assert.deepEqual(counts, [counts[0], counts[0]! + 1, counts[0]! + 2]);
  assert.equal(
    up.logs.some((l) => l.service === 'hono-reuse' && l.level === 'warn'),
    false,
  );
});

test('an itty-router app with addEventListener answers every request', async () => {
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${up.url}/itty/hello/n${i}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { hello: `n${i}` });
  }
  assert.equal(await (await fetch(`${up.url}/itty/echo`, { method: 'POST', body: 'xyz' })).text(), 'xyz');
});

test('up --from takes --isolation, and rejects a bad one', async () => {
  const wasm = join(APP, 'hono/dist/fetch-event.wasm');
  const bad = await runCli(['up', '--from', wasm, '--isolation', 'sometimes']);
  assert.equal(bad.code, 64);
  assert.match(
    bad.stderr,
    /--isolation sometimes is not an isolation mode[\s\S]*fix: use --isolation auto, reuse or fresh/,
  );
  const from = await startUp(['--from', wasm, '--workers', '1']);
  try {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${from.url}/x/count`)).status, 200);
  } finally {
    await from.stop();
  }
});

test("with isolation 'reuse' forced, the failure says why and the guest is switched to fresh instances", async () => {
  const wasm = join(APP, 'hono/dist/fetch-event.wasm');
  const from = await startUp(['--from', wasm, '--isolation', 'reuse', '--workers', '1']);
  try {
    const warn = await from.waitForLog(
      (l) => l.level === 'warn' && /isolation is 'reuse'/.test(String(l.msg)),
    );
    assert.match(String(warn.msg), /set isolation: fresh/);
    assert.equal((await fetch(`${from.url}/x/count`)).status, 200);
    const second = await fetch(`${from.url}/x/count`);
    assert.equal(second.status, 500);
    const body = (await second.json()) as { error: { message: string; fix: string } };
    assert.match(body.error.message, /answers one request per instance/);
    assert.match(body.error.fix, /isolation fresh/);
    for (let i = 0; i < 3; i++)
      assert.deepEqual(await (await fetch(`${from.url}/x/count`)).json(), { served: 1 });
  } finally {
    await from.stop();
  }
});
