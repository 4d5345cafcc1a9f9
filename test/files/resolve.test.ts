// Path lookups inside a preopen, on a real temp folder: what leads out is refused with not-permitted,
// and loops, NUL bytes and paths too deep end with their own error instead of running away.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FsError } from '../../src/host/files/errors.ts';
import { openHostDir } from '../../src/host/files/grant.ts';
import { DirHandle } from '../../src/host/files/handles.ts';

async function preopen() {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-resolve-'));
  const grant = {
    preopens: [{ guestPath: '/data', node: openHostDir(dir, false) }],
    ownLinks: new Set<string>(),
  };
  return { dir, root: DirHandle.forPreopen(grant, grant.preopens[0]!) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FsError, String(err));
    return err.code;
  }
  return 'ok';
}

describe('lookups inside a preopen', () => {
  test("'..' stops at the descriptor it starts from, not only at the preopen", async () => {
    const { dir, root } = await preopen();
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'x'), 'x');
    const a = root.openAt('a', { followSymlinks: false, directory: true });
    assert.equal(a.kind, 'dir');
    assert.equal(
      code(() => (a as DirHandle).statAt('b/../x', false)),
      'ok',
    );
    assert.equal(
      code(() => (a as DirHandle).statAt('../a/x', false)),
      'not-permitted',
    );
    assert.equal(
      code(() => root.statAt('..', false)),
      'not-permitted',
    );
  });

  test('symlinks: inside followed, absolute or climbing out refused, loops end', async () => {
    const { dir, root } = await preopen();
    await writeFile(join(dir, 'f'), 'f');
    await symlink('f', join(dir, 'in'));
    await symlink('/etc/passwd', join(dir, 'abs'));
    await symlink('../../../../etc', join(dir, 'up'));
    await symlink('loop2', join(dir, 'loop1'));
    await symlink('loop1', join(dir, 'loop2'));
    assert.equal(root.statAt('in', true).type, 'regular-file');
    assert.equal(root.statAt('in', false).type, 'symbolic-link');
    assert.equal(
      code(() => root.openAt('abs', { followSymlinks: true })),
      'not-permitted',
    );
    assert.equal(
      code(() => root.openAt('up/passwd', { followSymlinks: true })),
      'not-permitted',
    );
    assert.equal(
      code(() => root.openAt('loop1', { followSymlinks: true })),
      'loop',
    );
    // Not following: the link itself is no file to open.
    assert.equal(
      code(() => root.openAt('in', { followSymlinks: false })),
      'loop',
    );
    assert.equal(
      code(() => root.symlinkAt('/etc', 'made')),
      'not-permitted',
    );
  });

  test('NUL bytes, absolute paths and paths too deep end with their own error', async () => {
    const { dir, root } = await preopen();
    assert.equal(
      code(() => root.statAt('a\0b', false)),
      'illegal-byte-sequence',
    );
    assert.equal(
      code(() => root.statAt('/etc', false)),
      'not-permitted',
    );
    const deep = Array.from({ length: 135 }, () => 'd').join('/');
    await mkdir(join(dir, deep), { recursive: true });
    assert.equal(
      code(() => root.statAt(deep.split('/').slice(0, 100).join('/'), false)),
      'ok',
    );
    assert.equal(
      code(() => root.statAt(deep, false)),
      'name-too-long',
    );
  });
});
