// Worker threads share compiled modules: the first serving thread compiles every module, the others get
// them as handles (machine code shared, not compiled again) and still serve every service.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp } from '../helpers/host.ts';

test('the second serving thread uses the modules the first one compiled', async () => {
  const [component, wagi] = await Promise.all([guestPath('hello-component'), guestPath('wagi-hello')]);
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: shared
host: { workers: 2 }
services:
  component: { source: ${component}, routes: ["/c"] }
  wagi: { source: ${wagi}, routes: ["/w"] }
`);
  const up = await startUp([dir, '--log-level', 'debug']);
  try {
    const line = await up.waitForLog((l) => l.msg === 'using modules compiled by thread 0');
    // The component's three core modules and the WAGI module.
    assert.equal(line.thread, 1);
    assert.ok((line.modules as number) >= 4, JSON.stringify(line));
    // Both threads answer for both services (connections spread over the shared port).
    for (let i = 0; i < 20; i++) {
      assert.equal(await (await fetch(`${up.url}/c`)).text(), 'hello from wasm\n');
      assert.equal((await fetch(`${up.url}/w`)).status, 200);
    }
  } finally {
    await up.stop();
  }
});
