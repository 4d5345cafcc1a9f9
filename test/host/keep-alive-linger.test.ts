// Regression: a streaming guest answered a POST before reading all of its body, the body then ended
// while the response was written, and 5 s later the host reset the keep-alive connection, cutting off
// whatever request it carried by then (found by the soak: ECONNRESET on well-behaved keep-alive clients).

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp } from '../helpers/host.ts';

function request(
  url: string,
  agent: http.Agent,
  method: string,
  body?: Buffer,
): Promise<{ status: number; bytes: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: body ? { 'content-length': String(body.length) } : {} },
      (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, reused: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('after a streamed echo of a large POST body, requests keep succeeding past the linger bound', async () => {
  const echo = await guestPath('echo-component');
  const hello = await guestPath('hello-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: linger
host: { workers: 1 }
services:
  echo: { source: ${echo}, routes: ["/echo"] }
  hello: { source: ${hello}, routes: ["/hello"] }
`);
  const up = await startUp([dir]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const posted = await request(`${up.url}/echo`, agent, 'POST', Buffer.alloc(300_000, 'a'));
    assert.deepEqual([posted.status, posted.bytes], [200, 300_000]);
    // Requests back to back past the 5 s linger bound, on whatever connection the agent has: a reset
    // of the old one would fail the request in flight on it. If the host kept the connection open
    // (it may close it after a response that did not read the whole body first), it must stay usable.
    const until = performance.now() + 6000;
    let n = 0;
    let reusedAll = true;
    while (performance.now() < until) {
      const r = await request(`${up.url}/hello`, agent, 'GET');
      assert.equal(r.status, 200, `request ${n} after the POST`);
      if (n > 0) reusedAll &&= r.reused;
      n++;
    }
    assert.ok(n > 10, 'the requests ran');
    assert.ok(reusedAll, 'once opened after the POST, the connection served every request');
  } finally {
    agent.destroy();
    await up.stop();
  }
});
