// A Go WAGI guest (GOOS=wasip1, built from guests/go/wagi-go.go with Debian's Go): the preview1 calls Go's
// runtime makes work under the host: time.Sleep (poll_oneoff, bounded by the deadline), files under the
// /data preopen with `..` refused, and a runtime panic that keeps its message in the log.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { goGuest } from './guests.ts';

let up: UpProcess;

before(async () => {
  const go = await goGuest();
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: go
host: { workers: 1 }
services:
  go: { source: ${go}, routes: ["/..."], data: true, limits: { timeout: 2s } }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

test('a Go guest answers, and time.Sleep sleeps', async () => {
  assert.equal(await (await fetch(`${up.url}/hello`)).text(), 'hello from go\n');
  const slept = await (await fetch(`${up.url}/sleep?60`)).text();
  assert.ok(Number(/slept=(\d+)/.exec(slept)?.[1]) >= 60, slept);
});

test('a Go guest sleeping past its deadline is stopped with 504', async () => {
  const res = await fetch(`${up.url}/sleep?10000`);
  assert.equal(res.status, 504);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GUEST_DEADLINE');
});

test('os.WriteFile and os.ReadFile work under /data; ../ out of it is refused', async () => {
  assert.equal(await (await fetch(`${up.url}/data`)).text(), 'written by go\nescape refused: true\n');
});

test('a Go panic is a 500 and its message reaches the log', async () => {
  const res = await fetch(`${up.url}/panic`, { headers: { 'x-request-id': 'go-panic' } });
  assert.equal(res.status, 500);
  await res.text();
  const line = await up.waitForLog(
    (l) => l.reqId === 'go-panic' && l.stream === 'stderr' && String(l.msg).startsWith('panic:'),
  );
  assert.equal(line.msg, 'panic: assignment to entry in nil map');
});
