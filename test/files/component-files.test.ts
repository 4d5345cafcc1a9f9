// /data and read-only files for a component (a WAT guest calling wasi:filesystem: get-directories,
// open-at, read, write), served by the real CLI over 127.0.0.1: every way out refused, read-only
// files read-only, data kept across a restart. Errors come back as 400 + the error-code index.

import assert from 'node:assert/strict';
import { link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCached } from '../../src/build/index.ts';
import { GUEST_CACHE_DIR } from '../helpers/guests.ts';
import { appDir, ROOT, startUp, type UpProcess } from '../helpers/host.ts';

/** wasi:filesystem error-code indexes, as the guest reports them (400 + index). */
const NOT_PERMITTED = 400 + 31;
const READ_ONLY = 400 + 33;
const NO_ENTRY = 400 + 20;

let dir: string;
let up: UpProcess;

async function call(path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${up.url}${path}`, body === undefined ? {} : { method: 'PUT', body });
  return { status: res.status, text: await res.text() };
}

before(async () => {
  const wasm = await buildCached(
    {
      kind: 'wat',
      source: join(ROOT, 'guests/wat/files-component.wat'),
      witDir: join(ROOT, 'wit'),
      world: 'wasmkube:guests/files-service@0.1.0',
    },
    { cacheDir: GUEST_CACHE_DIR },
  );
  dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: comp-files
host: { workers: 1 }
services:
  store: { source: ${wasm.path}, routes: ["/store"], data: true }
  site:
    source: ${wasm.path}
    routes: ["/site"]
    data: { dir: site-data }
    files: [{ source: public, destination: /public }]
`);
  await mkdir(join(dir, 'public'));
  await writeFile(join(dir, 'public', 'index.html'), 'public page');
  await writeFile(join(dir, 'secret.txt'), 'host secret');
  const data = join(dir, '.wasmkube', 'data', 'store');
  await mkdir(data, { recursive: true });
  await symlink('../../../secret.txt', join(data, 'rel-out'));
  await symlink(join(dir, 'secret.txt'), join(data, 'abs-out'));
  await link(join(dir, 'secret.txt'), join(data, 'hard-out'));
  await mkdir(join(data, 'sub'));
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

describe('components and wasi:filesystem', () => {
  test('a component writes a file in /data and reads it back', async () => {
    assert.deepEqual(await call('/store?note.txt', 'from a component'), { status: 201, text: '' });
    assert.deepEqual(await call('/store?note.txt'), { status: 200, text: 'from a component' });
    assert.equal(await readFile(join(dir, '.wasmkube/data/store/note.txt'), 'utf8'), 'from a component');
    assert.equal((await call('/store?missing.txt')).status, NO_ENTRY);
  });

  test('.., absolute paths, symlinks and hard links that lead out are refused', async () => {
    for (const path of [
      '../secret.txt',
      'sub/../../secret.txt',
      '/etc/passwd',
      'rel-out',
      'abs-out',
      'hard-out',
    ]) {
      const r = await call(`/store?${path}`);
      assert.equal(r.status, NOT_PERMITTED, `${path}: ${r.status} ${r.text}`);
    }
    assert.equal((await call('/store?../escaped.txt', 'x')).status, NOT_PERMITTED);
  });

  test('read-only files are readable and not writable; /data beside them is', async () => {
    assert.deepEqual(await call('/site?public/index.html'), { status: 200, text: 'public page' });
    assert.equal((await call('/site?public/index.html', 'defaced')).status, READ_ONLY);
    assert.equal((await call('/site?public/new.html', 'new')).status, READ_ONLY);
    assert.equal((await call('/site?new-at-root', 'x')).status, READ_ONLY);
    assert.equal(await readFile(join(dir, 'public', 'index.html'), 'utf8'), 'public page');
    assert.equal((await call('/site?data/kept.txt', 'kept')).status, 201);
    assert.equal(await readFile(join(dir, 'site-data', 'kept.txt'), 'utf8'), 'kept');
  });

  test('descriptors the guest drops are closed in the host (no fd leak)', async () => {
    const open = async () => (await readdir(`/proc/${up.proc.pid}/fd`)).length;
    await call('/store?note.txt');
    const before = await open();
    for (let i = 0; i < 100; i++) assert.equal((await call('/store?note.txt')).status, 200);
    // Each request opens the preopen and the file: 200 fds if drops did not close them.
    assert.ok((await open()) - before < 20, `fds grew from ${before} to ${await open()}`);
  });

  test('data survives a host restart', async () => {
    await up.stop();
    up = await startUp([dir]);
    assert.deepEqual(await call('/store?note.txt'), { status: 200, text: 'from a component' });
    assert.deepEqual(await call('/site?data/kept.txt'), { status: 200, text: 'kept' });
  });
});
