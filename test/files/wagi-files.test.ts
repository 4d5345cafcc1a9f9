// /data and read-only files for a WAGI guest in C, served by the real CLI over 127.0.0.1: reads and
// writes under /data, every way out refused (.., absolute, symlinks and hard links that lead out),
// read-only files, data that survives a restart, open files closed between requests, poll_oneoff
// sleeps (C nanosleep, Rust thread::sleep) and sock_* errnos.

import assert from 'node:assert/strict';
import { link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { cFilesGuest, rustSleepGuest } from './guests.ts';

const EPERM = 63;
const ENOENT = 44;
const EROFS = 69;
const EBADF = 8;
const ENOTSOCK = 57;

let dir: string;
let c: string;
let rust: string;
let up: UpProcess;

const manifest = () => `apiVersion: wasmkube.dev/v1alpha1
name: files
host: { workers: 1 }
services:
  files:
    source: ${c}
    routes: ["/f"]
    data: true
    files:
      - "assets/*.txt"
      - { source: static, destination: /static }
  sleepy: { source: ${rust}, routes: ["/sleep"], limits: { timeout: 300ms } }
  plain: { source: ${c}, routes: ["/plain"] }
`;

async function get(path: string, body?: string): Promise<string> {
  const res = await fetch(`${up.url}${path}`, body === undefined ? {} : { method: 'POST', body });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.text();
}

before(async () => {
  [c, rust] = await Promise.all([cFilesGuest(), rustSleepGuest()]);
  dir = await appDir('');
  await writeFile(join(dir, 'wasmkube.yaml'), manifest());
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'assets', 'a.txt'), 'asset a\n');
  await writeFile(join(dir, 'assets', 'skip.bin'), 'not matched');
  await mkdir(join(dir, 'static'));
  await writeFile(join(dir, 'static', 'index.html'), '<h1>static</h1>\n');
  await writeFile(join(dir, 'secret.txt'), 'host secret\n');
  // Ways out planted in the data directory by someone else.
  const data = join(dir, '.wasmkube', 'data', 'files');
  await mkdir(data, { recursive: true });
  await symlink('../../../secret.txt', join(data, 'rel-out'));
  await symlink(join(dir, 'secret.txt'), join(data, 'abs-out'));
  await symlink('../../..', join(data, 'dir-out'));
  await link(join(dir, 'secret.txt'), join(data, 'hard-out'));
  await mkdir(join(data, 'sub'));
  await writeFile(join(data, 'sub', 'inside.txt'), 'inside\n');
  await symlink('sub/inside.txt', join(data, 'ok-link'));
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

describe('WAGI guests and files', () => {
  test('a guest writes a file under /data and reads it back; it lands in .wasmkube/data/SERVICE', async () => {
    assert.equal(await get('/f/write?/data/note.txt', 'hello data'), 'written\n');
    assert.equal(await get('/f/read?/data/note.txt'), 'hello data');
    assert.equal(await readFile(join(dir, '.wasmkube/data/files/note.txt'), 'utf8'), 'hello data');
    assert.match(await get('/f/list?/data'), /note\.txt/);
  });

  test('a symlink that stays inside /data is followed', async () => {
    assert.equal(await get('/f/read?/data/ok-link'), 'inside\n');
    assert.equal(await get('/f/raw?sub/../ok-link'), 'inside\n');
  });

  test('.. , absolute paths, symlinks and hard links that lead out are refused', async () => {
    // Through wasi-libc, as a program would try it.
    assert.equal(await get('/f/read?/data/../secret.txt'), `errno=${EPERM}\n`);
    assert.equal(await get('/f/read?/data/../../../secret.txt'), `errno=${EPERM}\n`);
    // Straight to path_open, with what wasi-libc never sends.
    for (const path of [
      '../secret.txt',
      'sub/../../secret.txt',
      '/etc/passwd',
      'rel-out',
      'abs-out',
      'dir-out/secret.txt',
      'hard-out',
    ]) {
      const out = await get(`/f/raw?${encodeURIComponent(path)}`);
      assert.equal(out, `errno=${EPERM}\n`, `${path} must be refused, got ${out}`);
    }
    const body = await get('/f/read?/data/abs-out');
    assert.doesNotMatch(body, /host secret/);
  });

  test('read-only files: globs and mappings are readable, never writable', async () => {
    assert.equal(await get('/f/read?/assets/a.txt'), 'asset a\n');
    assert.equal(await get('/f/read?/static/index.html'), '<h1>static</h1>\n');
    assert.equal(await get('/f/read?/assets/skip.bin'), `errno=${ENOENT}\n`);
    assert.equal(await get('/f/write?/static/index.html', 'defaced'), `errno=${EROFS}\n`);
    assert.equal(await get('/f/write?/static/new.html', 'new'), `errno=${EROFS}\n`);
    assert.equal(await get('/f/write?/assets/a.txt', 'x'), `errno=${EROFS}\n`);
    assert.equal(await readFile(join(dir, 'static', 'index.html'), 'utf8'), '<h1>static</h1>\n');
  });

  test('a service without data or files has no preopens', async () => {
    assert.equal(await get('/plain/raw?x'), 'no /data preopen\n');
    assert.match(await get('/plain/read?/data/note.txt'), /^errno=/);
  });

  test('files a request leaves open are closed before the next one', async () => {
    await get('/f/count');
    // 16 leaked per request; the table holds 256: without the reset the 17th request gets EMFILE.
    for (let i = 0; i < 20; i++) assert.equal(await get('/f/leak'), 'opened=16 errno=0\n');
  });

  test('C nanosleep and Rust thread::sleep sleep (poll_oneoff), bounded by the deadline', async () => {
    const cOut = await get('/f/sleep?40');
    const cSlept = Number(/slept=(\d+)/.exec(cOut)?.[1]);
    assert.match(cOut, /^r=0 /);
    assert.ok(cSlept >= 40, cOut);
    const rOut = await get('/sleep?30');
    assert.ok(Number(/slept=(\d+)/.exec(rOut)?.[1]) >= 30, rOut);
    // Past the 300 ms deadline: stopped with 504, not slept through.
    const res = await fetch(`${up.url}/sleep?5000`);
    assert.equal(res.status, 504);
    await res.text();
  });

  test('a sleeping guest suspends: its thread serves /health and the same service meanwhile', async () => {
    let slept = false;
    const sleeping = fetch(`${up.url}/f/sleep?1500`).then(async (r) => {
      slept = true;
      return r.text();
    });
    // The one serving thread answers while the guest sleeps (ordering, not timing).
    for (let i = 0; i < 5; i++) {
      assert.equal((await fetch(`${up.url}/health`)).status, 200);
      assert.equal(await get('/plain/hello'), await get('/plain/hello'));
    }
    assert.equal(slept, false, 'the other requests were answered while the guest slept');
    assert.match(await sleeping, /^r=0 slept=\d+/);
  });

  test('sock_shutdown answers ENOTSOCK for a file and EBADF for a closed fd', async () => {
    assert.equal(await get('/f/sock'), `stdin=${ENOTSOCK} closed=${EBADF}\n`);
  });

  test('data survives a host restart', async () => {
    const before = Number(await get('/f/count'));
    await up.stop();
    up = await startUp([dir]);
    assert.equal(Number(await get('/f/count')), before + 1);
    assert.equal(await get('/f/read?/data/note.txt'), 'hello data');
  });
});
