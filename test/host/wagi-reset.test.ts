// WAGI's fresh instance per request, kept when the host reuses a reset instance instead of making a new
// one: a guest that counts in a global and in memory must see 1 and 1 on every request, and a guest
// whose memory grew, or that failed, must never be reused.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { metric, parseProm } from '../helpers/prom.ts';
import { wat } from '../wasm/wat.ts';

// _start counts in $count and at address 2048, grows memory by a page when the query is "grow", traps
// when it is "trap", and prints a CGI response "global=G memory=M pages=P".
const COUNTER = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (data (i32.const 100) "Content-Type: text/plain\\n\\nglobal=0 memory=0 pages=0\\n")
  (func (export "_start")
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 2048) (i32.add (i32.load (i32.const 2048)) (i32.const 1)))
    ;; argc > 1 means a query was given: "trapnow" (args "counter\\0trapnow\\0", 16 bytes) traps, others grow.
    (drop (call $args_sizes (i32.const 16) (i32.const 20)))
    (if (i32.gt_u (i32.load (i32.const 16)) (i32.const 1))
      (then
        (if (i32.eq (i32.load (i32.const 20)) (i32.const 16)) (then unreachable))
        (drop (memory.grow (i32.const 1)))))
    (i32.store8 (i32.const 133) (i32.add (i32.const 48) (global.get $count)))
    (i32.store8 (i32.const 142) (i32.add (i32.const 48) (i32.load (i32.const 2048))))
    (i32.store8 (i32.const 150) (i32.add (i32.const 48) (memory.size)))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 52))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

let up: UpProcess;

before(async () => {
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: wagi-reset
host: { workers: 1 }
services:
  counter: { source: counter.wasm, routes: ["/"] }
`);
  await writeFile(join(dir, 'counter.wasm'), wat(COUNTER));
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

const get = async (path: string) => {
  const res = await fetch(`${up.url}${path}`);
  return { status: res.status, text: await res.text() };
};

async function created(): Promise<number> {
  const samples = parseProm(await (await fetch(`${up.url}/metrics`)).text());
  return metric(samples, 'wasmkube_instances_created_total', { service: 'counter' });
}

describe('WAGI instances reset between requests', () => {
  test('every request sees the first state: global, memory and size', async () => {
    for (let i = 0; i < 5; i++)
      assert.deepEqual(await get('/'), { status: 200, text: 'global=1 memory=1 pages=1\n' });
    assert.ok((await created()) <= 2, 'the instance is reset, not made anew for each request');
  });

  test('an instance whose memory grew is dropped, and the next request still starts fresh', async () => {
    const before = await created();
    assert.deepEqual(await get('/?grow'), { status: 200, text: 'global=1 memory=1 pages=2\n' });
    assert.deepEqual(await get('/'), { status: 200, text: 'global=1 memory=1 pages=1\n' });
    assert.ok((await created()) > before, 'a new instance replaced the grown one');
  });

  test('an instance that trapped is dropped: the next request starts fresh', async () => {
    assert.equal((await get('/?trapnow')).status, 500);
    assert.deepEqual(await get('/'), { status: 200, text: 'global=1 memory=1 pages=1\n' });
  });
});
