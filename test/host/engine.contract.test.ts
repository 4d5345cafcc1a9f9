// The contract every guest engine passes, over real sockets against real guests: the component engine
// (componentize-js guest) and the WAGI engine (AssemblyScript and C guests) get the same cases: a body
// streamed through, 413, the deadline, a trap, a client that goes away, and a call out that is not allowed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cFilesGuest } from '../files/guests.ts';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';

interface EngineCase {
  readonly engine: 'component' | 'wagi';
  /** A guest answering /hello, /echo (the body back), /loop (forever) and /trap. */
  readonly guest: () => Promise<string>;
  /** A guest that tries to reach the network, and how its answer shows it was refused. */
  readonly outbound: { guest: () => Promise<string>; path: string; refused: RegExp };
}

const CASES: readonly EngineCase[] = [
  {
    engine: 'component',
    guest: () => guestPath('js-component'),
    outbound: {
      guest: () => guestPath('fetch-component'),
      path: `/call?url=${encodeURIComponent('http://denied.example/')}`,
      refused: /^fetch rejected: /,
    },
  },
  {
    engine: 'wagi',
    guest: () => guestPath('wagi-test'),
    // A WAGI module has no outbound HTTP; its socket calls answer ENOTSOCK (57) and EBADF (8).
    outbound: { guest: cFilesGuest, path: '/sock', refused: /^stdin=57 closed=8\n$/ },
  },
];

for (const c of CASES) {
  describe(`engine contract: ${c.engine}`, () => {
    // Each service alone on a catch-all route: a component sees the full path, a WAGI module PATH_INFO.
    let up: UpProcess;
    let slow: UpProcess;
    let out: UpProcess;
    const host = async (source: string, limits: string) =>
      startUp([
        await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: contract-${c.engine}
host: { workers: 1 }
services:
  guest: { source: ${source}, routes: ["/..."], limits: ${limits} }
`),
      ]);

    before(async () => {
      const [guest, outGuest] = await Promise.all([c.guest(), c.outbound.guest()]);
      [up, slow, out] = await Promise.all([
        host(guest, '{ timeout: 1s, maxBodySize: 256Ki }'),
        host(guest, '{ timeout: 60s }'),
        host(outGuest, '{}'),
      ]);
    });

    after(async () => {
      await Promise.all([up?.stop(), slow?.stop(), out?.stop()]);
    });

    test('a body goes through the guest intact', async () => {
      const body = Buffer.alloc(200 * 1024, 'wasmkube ');
      const res = await fetch(`${up.url}/echo`, { method: 'POST', body });
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
    });

    test('a body over maxBodySize is 413 BODY_TOO_LARGE', async () => {
      const res = await fetch(`${up.url}/echo`, { method: 'POST', body: Buffer.alloc(300 * 1024) });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
    });

    test('a guest past its deadline is stopped: 504 GUEST_DEADLINE, and the service goes on', async () => {
      const res = await fetch(`${up.url}/loop`);
      assert.equal(res.status, 504);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GUEST_DEADLINE');
      assert.equal((await fetch(`${up.url}/hello`)).status, 200);
    });

    test('a trap is 500 GUEST_TRAP with the request id, and the next request is served', async () => {
      const res = await fetch(`${up.url}/trap`, { headers: { 'x-request-id': 'contract-trap' } });
      assert.equal(res.status, 500);
      const { error } = (await res.json()) as { error: { code: string; requestId: string } };
      assert.deepEqual([error.code, error.requestId], ['GUEST_TRAP', 'contract-trap']);
      assert.equal((await fetch(`${up.url}/hello`)).status, 200);
    });

    test('a client that goes away frees its guest long before the deadline', async () => {
      const ac = new AbortController();
      const gone = fetch(`${slow.url}/loop`, { signal: ac.signal }).catch(() => 'aborted');
      const inFlight = async () =>
        metric(
          parseProm(await (await fetch(`${slow.url}/metrics`)).text()),
          'wasmkube_http_requests_in_flight',
          { service: 'guest' },
        );
      for (let i = 0; i < 100 && (await inFlight()) !== 1; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await inFlight(), 1, 'the looping request is in flight');
      ac.abort();
      assert.equal(await gone, 'aborted');
      // The 60 s deadline is far away: only the client leaving can end it.
      for (let i = 0; i < 200 && (await inFlight()) !== 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await inFlight(), 0, 'the guest was stopped when its client left');
      assert.equal((await fetch(`${slow.url}/hello`)).status, 200);
    });

    test('a call out that is not allowed is refused to the guest, which still answers', async () => {
      const res = await fetch(`${out.url}${c.outbound.path}`);
      assert.match(await res.text(), c.outbound.refused);
      assert.equal((await fetch(`${out.url}${c.outbound.path}`)).status, res.status, 'and again');
    });
  });
}
