// Regression for a componentize-js guest whose fetch() to a host it may not call used to trap the guest
// ("bad_variant_access was thrown in -fno-exceptions mode"): the denial must reach it as wasi:http's
// HTTP-request-denied so fetch() rejects and the guest answers, for guests built as Spin's JS SDK builds
// them (componentize-js 0.19, wasi:http 0.2.3, fetch event, a fresh instance per request) and by
// wasmkube's builder (componentize-js 0.23, wasi:http 0.2.10 and 0.2.12 imports).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { spinGuestPath } from '../helpers/spin-guest.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';

let up: UpProcess;
let api: Upstream;

before(async () => {
  api = await startUpstream();
  const [spin, fetcher] = await Promise.all([spinGuestPath(), guestPath('fetch-component')]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: denied
host: { workers: 1 }
services:
  spin: { source: ${spin}, routes: ["/spin"], isolation: fresh, allowedOutboundHosts: ["${api.origin}"] }
  fetcher: { source: ${fetcher}, routes: ["/fetcher"], allowedOutboundHosts: ["${api.origin}"] }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
  await api?.close();
});

describe('a denied fetch() rejects in the guest', () => {
  test('Spin SDK style guest (wasi:http 0.2.3): rejects, answers, and the next call goes through', async () => {
    const denied = await fetch(`${up.url}/spin?url=${encodeURIComponent('http://denied.example/')}`);
    assert.equal(denied.status, 502);
    assert.match(await denied.text(), /^rejected: /);
    const allowed = await fetch(`${up.url}/spin?url=${encodeURIComponent(`${api.origin}/`)}`);
    assert.equal(await allowed.text(), 'got 200 upstream ok\n');
  });

  test('wasmkube-built guest (wasi:http 0.2.12): a denied POST with a body rejects too', async () => {
    const res = await fetch(
      `${up.url}/fetcher/call?method=POST&url=${encodeURIComponent('http://denied.example/')}`,
      { method: 'POST', body: 'payload' },
    );
    assert.equal(res.status, 502);
    assert.match(await res.text(), /^fetch rejected: /);
    const log = await up.waitForLog((l) => l.msg === 'outbound request denied' && l.service === 'fetcher');
    assert.equal(log.error, 'HTTP-request-denied');
    assert.equal(log.target, 'http://denied.example');
  });
});
