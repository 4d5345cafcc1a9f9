// The transpiled-component cache: written once under the component's sha256, reused by later starts,
// and not needed at all where nothing is writable (a read-only root filesystem).

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { startUp } from '../helpers/host.ts';

test('a component is transpiled once into the cache, keyed by its digest, and served from it', async () => {
  const hello = await guestPath('hello-component');
  const cache = await mkdtemp(join(tmpdir(), 'wasmkube-cache-'));
  for (let run = 0; run < 2; run++) {
    const up = await startUp(['--from', hello, '--workers', '1'], { env: { WASMKUBE_CACHE_DIR: cache } });
    try {
      assert.equal(await (await fetch(`${up.url}/`)).text(), 'hello from wasm\n');
    } finally {
      await up.stop();
    }
    const entries = await readdir(join(cache, 'transpiled'));
    assert.equal(entries.length, 1, 'one entry, reused by the second start');
    assert.match(entries[0]!, /^[0-9a-f]{64}-/);
  }
});

test('with no writable cache the component is still served', async () => {
  const hello = await guestPath('hello-component');
  const cache = await mkdtemp(join(tmpdir(), 'wasmkube-ro-'));
  await chmod(cache, 0o555);
  // Root ignores permissions: point below a file, where nothing can be created by anyone.
  const unwritable = process.getuid?.() === 0 ? '/proc/version/wasmkube' : cache;
  const up = await startUp(['--from', hello, '--workers', '1'], { env: { WASMKUBE_CACHE_DIR: unwritable } });
  try {
    assert.equal(await (await fetch(`${up.url}/`)).text(), 'hello from wasm\n');
  } finally {
    await up.stop();
  }
});
