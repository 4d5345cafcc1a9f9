// The content-addressed build cache: keys follow bytes and options, outputs appear atomically, and one
// build per key runs at a time (in-process and across processes through the lock file).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CacheRequest, cachedBuild, cacheKey } from '../../src/build/cache.ts';

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'wasmkube-cache-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function fixture(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const builder = { name: 'test-builder', version: '1' };

describe('cacheKey', () => {
  test('depends on bytes, file names, options and builder version, not on where sources live', async () => {
    const a = await fixture('a', { 'src/main.txt': 'one', 'src/lib/x.txt': 'two' });
    const b = await fixture('b', { 'src/main.txt': 'one', 'src/lib/x.txt': 'two' });
    const changed = await fixture('c', { 'src/main.txt': 'one', 'src/lib/x.txt': 'TWO' });
    const renamed = await fixture('d', { 'src/main.txt': 'one', 'src/lib/y.txt': 'two' });
    const key = (dir: string, extra: Partial<CacheRequest> = {}) =>
      cacheKey({ builder, inputs: [join(dir, 'src')], options: { o: 1 }, ...extra });

    const base = await key(a);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(await key(b), base, 'same bytes elsewhere: same key');
    assert.notEqual(await key(changed), base);
    assert.notEqual(await key(renamed), base);
    assert.notEqual(await key(a, { options: { o: 2 } }), base);
    assert.notEqual(await key(a, { builder: { ...builder, version: '2' } }), base);
    assert.equal(
      await cacheKey({ builder, inputs: [join(a, 'src')], options: { x: 1, y: 2 } }),
      await cacheKey({ builder, inputs: [join(a, 'src')], options: { y: 2, x: 1 } }),
      'option order does not matter',
    );
  });

  test('a missing input is a BUILD_FAILED naming it', async () => {
    await assert.rejects(
      cacheKey({ builder, inputs: [join(work, 'nope.c')] }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'BUILD_FAILED');
        assert.match(err.message, /nope\.c/);
        return true;
      },
    );
  });
});

describe('cachedBuild', () => {
  test('builds once, then hits; concurrent callers share the build', async () => {
    const src = await fixture('once', { 'main.txt': 'hello' });
    const cacheDir = join(work, 'cache-once');
    let builds = 0;
    const build = async (tmp: string) => {
      builds++;
      await new Promise((r) => setTimeout(r, 50));
      await writeFile(tmp, 'output');
    };
    const request = { builder, inputs: [join(src, 'main.txt')], cacheDir };
    const [first, second] = await Promise.all([cachedBuild(request, build), cachedBuild(request, build)]);
    assert.equal(builds, 1);
    assert.equal(first.hit, false);
    assert.equal(second.path, first.path);
    assert.equal(first.path, join(cacheDir, `${first.key}.wasm`));
    assert.equal(await readFile(first.path, 'utf8'), 'output');
    const third = await cachedBuild(request, build);
    assert.equal(third.hit, true);
    assert.equal(builds, 1);
    assert.deepEqual(await readdir(cacheDir), [`${first.key}.wasm`], 'no lock or temp file left');
  });

  test('a failed build leaves nothing behind and the next call builds again', async () => {
    const src = await fixture('fail', { 'main.txt': 'x' });
    const cacheDir = join(work, 'cache-fail');
    const request = { builder, inputs: [join(src, 'main.txt')], cacheDir };
    await assert.rejects(
      cachedBuild(request, async (tmp) => {
        await writeFile(tmp, 'half');
        throw new Error('compiler crashed');
      }),
      /compiler crashed/,
    );
    assert.deepEqual(await readdir(cacheDir), []);
    const ok = await cachedBuild(request, (tmp) => writeFile(tmp, 'fine'));
    assert.equal(ok.hit, false);
    assert.equal(await readFile(ok.path, 'utf8'), 'fine');
  });

  test('waits for another process holding the lock and uses its output', async () => {
    const src = await fixture('wait', { 'main.txt': 'w' });
    const cacheDir = join(work, 'cache-wait');
    const request = { builder, inputs: [join(src, 'main.txt')], cacheDir };
    const key = await cacheKey(request);
    await mkdir(cacheDir, { recursive: true });
    // Our own PID is alive, so the lock counts as held by a running builder.
    await writeFile(join(cacheDir, `${key}.lock`), String(process.pid));
    setTimeout(() => {
      void writeFile(join(cacheDir, `${key}.wasm`), 'from the other process');
    }, 400);
    const result = await cachedBuild(request, () => Promise.reject(new Error('must not build')));
    assert.equal(result.hit, true);
    assert.equal(await readFile(result.path, 'utf8'), 'from the other process');
  });

  test('takes over the lock of a builder that died', async () => {
    const src = await fixture('stale', { 'main.txt': 's' });
    const cacheDir = join(work, 'cache-stale');
    const request = { builder, inputs: [join(src, 'main.txt')], cacheDir };
    const key = await cacheKey(request);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    await mkdir(cacheDir, { recursive: true });
    await writeFile(join(cacheDir, `${key}.lock`), dead);
    const result = await cachedBuild(request, (tmp) => writeFile(tmp, 'rebuilt'));
    assert.equal(result.hit, false);
    assert.equal(await readFile(result.path, 'utf8'), 'rebuilt');
    assert.deepEqual(await readdir(cacheDir), [`${key}.wasm`]);
  });
});
