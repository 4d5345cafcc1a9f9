// What slow readers and chatty guests may cost: a WAGI response waiting for a client that does not read
// holds its service's concurrency slot and is counted until the client has it; guest log lines past a
// request's budget are dropped and counted; a body over the limit after the head is an aborted response.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';
import { connect } from '../helpers/raw-http.ts';

let up: UpProcess;
const HEAD = 'Host: 127.0.0.1\r\n';

before(async () => {
  const [hostile, echo, chatty] = await Promise.all([
    guestPath('wagi-hostile'),
    guestPath('echo-component'),
    guestPath('chatty-component'),
  ]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: bounded
host: { workers: 1 }
services:
  big: { source: ${hostile}, routes: ["/big/..."], limits: { concurrency: 2, memory: 16Mi, timeout: 60s } }
  noisy: { source: ${hostile}, routes: ["/noisy/..."], limits: { timeout: 60s } }
  short: { source: ${hostile}, routes: ["/short/..."], limits: { timeout: 1s, memory: 16Mi } }
  echo: { source: ${echo}, routes: ["/echo"], limits: { maxBodySize: 64Ki, timeout: 60s } }
  chatty: { source: ${chatty}, routes: ["/chatty"], limits: { timeout: 60s } }
`);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

async function samples() {
  return parseProm(await (await fetch(`${up.url}/metrics`)).text());
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
}

describe('slow readers', () => {
  test('a response waiting for a client that does not read holds its slot and is counted until sent', async () => {
    const MiB = 8;
    const readers = await Promise.all([connect(up.url), connect(up.url)]);
    for (const r of readers) {
      // Not read: the kernel's buffers fill, then the rest waits in the host.
      r.socket.pause();
      r.socket.write(`GET /big/big?mb=${MiB} HTTP/1.1\r\n${HEAD}\r\n`);
    }
    const pending = () =>
      samples().then((s) => metric(s, 'wasmkube_response_pending_bytes', { service: 'big' }));
    const held = await until('both responses pending', pending, (v) => v >= 2 * MiB * 2 ** 20);
    assert.ok(held <= 2 * (MiB * 2 ** 20 + 1024), `pending ${held} bytes`);
    // The two slots are taken until the clients have their bytes: the next request is refused at once.
    const busy = await fetch(`${up.url}/big/big?mb=1`);
    assert.equal(busy.status, 503);
    assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'SERVICE_BUSY');
    const inFlight = metric(await samples(), 'wasmkube_http_requests_in_flight', { service: 'big' });
    assert.equal(inFlight, 2);
    // Clients gone: what was held for them is given back, and the service serves again.
    for (const r of readers) r.socket.destroy();
    await until('nothing pending', pending, (v) => v === 0);
    const again = await fetch(`${up.url}/big/big?mb=1`);
    assert.equal(again.status, 200);
    assert.equal((await again.arrayBuffer()).byteLength, 2 ** 20);
  });

  test('a client that reads slowly gets every byte, and the slot is freed once it has them', async () => {
    const c = await connect(up.url);
    c.socket.pause();
    c.socket.write(`GET /big/big?mb=8 HTTP/1.1\r\n${HEAD}connection: close\r\n\r\n`);
    await until(
      'response pending',
      () => samples().then((s) => metric(s, 'wasmkube_response_pending_bytes', { service: 'big' })),
      (v) => v > 0,
    );
    c.socket.resume();
    await c.closed;
    const text = c.received();
    const body = text.length - (text.indexOf('\r\n\r\n') + 4);
    assert.equal(body, 8 * 2 ** 20);
    await until(
      'slot free',
      () => samples().then((s) => metric(s, 'wasmkube_http_requests_in_flight', { service: 'big' })),
      (v) => v === 0,
    );
  });
  test('a client that never reads is cut off at the deadline, and what it held is given back', async () => {
    const c = await connect(up.url);
    c.socket.pause();
    c.socket.write(`GET /short/big?mb=8 HTTP/1.1\r\n${HEAD}\r\n`);
    const pending = () =>
      samples().then((s) => metric(s, 'wasmkube_response_pending_bytes', { service: 'short' }));
    await until('response pending', pending, (v) => v > 0);
    // Not read at all: the host closes the connection once the service's deadline has passed.
    await up.waitForLog((l) => String(l.err).includes('did not take the response within the 1000 ms'));
    await until('nothing pending', pending, (v) => v === 0);
    assert.equal(metric(await samples(), 'wasmkube_http_requests_in_flight', { service: 'short' }), 0);
    c.socket.resume();
    await c.closed;
    const text = c.received();
    assert.ok(text.length - text.indexOf('\r\n\r\n') - 4 < 8 * 2 ** 20, 'cut off before the end');
  });
});

describe('chatty guests', () => {
  test('a stderr flood is logged up to the budget; the rest is dropped and counted, RSS stays bounded', async () => {
    const rss = async () => metric(await samples(), 'process_resident_memory_bytes');
    const flood = async () => {
      const res = await fetch(`${up.url}/noisy/stderr?mb=8`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'flooded\n');
    };
    const lines = 8 * 16 * 655; // /stderr?mb=8 writes 8 MiB in 100-byte lines
    await flood(); // warm-up: the guest's instance and memory exist from here on
    const start = await rss();
    const n = 8;
    for (let i = 0; i < n; i++) await flood();
    const s = await samples();
    const dropped = metric(s, 'wasmkube_guest_log_dropped_total', { service: 'noisy' });
    const logged = up.logs.filter((l) => l.guest === true && l.service === 'noisy').length;
    assert.equal(dropped + logged, (n + 1) * lines, 'every line either logged or counted');
    assert.ok(logged <= (n + 1) * Math.ceil((64 * 1024) / 100), `${logged} guest lines logged`);
    assert.ok(up.logs.some((l) => String(l.msg).startsWith('guest log budget used up')));
    // 64 MiB of stderr went through; nothing of it is kept (the bound is loose: RSS also follows the
    // GC's own timing, and other tests may load the machine).
    const grown = (await rss()) - start;
    assert.ok(grown < 64 * 2 ** 20, `RSS grew by ${grown} bytes`);
  });
});

describe('chatty components', () => {
  test('a component writing 4 MiB of stderr per request: logged within the budget, the rest counted', async () => {
    const n = 3;
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${up.url}/chatty`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'chatty\n');
    }
    const lines = 65536; // 4 MiB of 64-byte lines per request
    const dropped = metric(await samples(), 'wasmkube_guest_log_dropped_total', { service: 'chatty' });
    const logged = up.logs.filter((l) => l.guest === true && l.service === 'chatty').length;
    assert.equal(dropped + logged, n * lines);
    assert.ok(logged <= n * ((64 * 1024) / 64), `${logged} lines logged`);
    assert.ok(logged >= n * ((64 * 1024) / 64 - 1), 'each request still gets its budget');
  });
});

describe('a body over the limit after the head went out', () => {
  test('the streamed response is aborted (no last chunk), logged and counted as body_limit', async () => {
    const errors = () =>
      samples().then((s) => {
        try {
          return metric(s, 'wasmkube_guest_errors_total', { service: 'echo', kind: 'body_limit' });
        } catch {
          return 0;
        }
      });
    const before = await errors();
    const c = await connect(up.url);
    c.socket.write(`POST /echo HTTP/1.1\r\n${HEAD}transfer-encoding: chunked\r\n\r\n`);
    const piece = Buffer.alloc(16 * 1024, 0x62);
    const chunk = Buffer.concat([Buffer.from('4000\r\n'), piece, Buffer.from('\r\n')]);
    c.socket.write(chunk);
    // The echo guest sends its head and the first bytes back before the body has ended.
    await c.waitFor((t) => t.startsWith('HTTP/1.1 200 ') && t.includes('bbbb'));
    for (let i = 0; i < 8; i++) if (c.socket.writable) c.socket.write(chunk);
    await c.closed;
    const text = c.received();
    assert.ok(!text.endsWith('\r\n0\r\n\r\n'), 'never a complete-looking chunked body');
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    assert.ok(body.replace(/[0-9a-f]+\r\n|\r\n/g, '').length < 64 * 1024 + 16 * 1024);
    await until('body_limit counted', errors, (v) => v === before + 1);
    await up.waitForLog((l) => l.msg === 'guest failed' && l.kind === 'body_limit' && l.service === 'echo');
  });
});
