// bin/wasmkube.js on a system Node.js older than 24 re-runs itself on the pinned Node 24: signals must
// still drain the host, whether sent to the wrapper or to its whole process group (Ctrl-C).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { CLI, ROOT } from '../helpers/host.ts';

/** A `node` on PATH other than the one running the tests, if it is older than 24. */
function olderNode(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v -a node'], { encoding: 'utf8' }).stdout.split('\n');
  for (const candidate of [...which, '/usr/bin/node']) {
    if (!candidate) continue;
    const v = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const major = Number(/^v(\d+)/.exec(v)?.[1]);
    if (major > 0 && major < 24) return candidate;
  }
  return undefined;
}

const old = olderNode();

for (const target of ['wrapper', 'process group'] as const) {
  test(`SIGTERM to the ${target} drains the host started through an older Node`, {
    skip: old ? false : 'no Node.js older than 24 on this machine: the shim is not used here',
  }, async () => {
    const hello = await guestPath('hello-component');
    // detached: the wrapper leads its own process group, as a shell would make it.
    const proc = spawn(
      old!,
      [CLI, 'up', '--from', hello, '--listen', '127.0.0.1:0', '--workers', '1', '--drain-delay', '200ms'],
      {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.stderr.on('data', (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    while (!out.includes('"listening"')) await new Promise((r) => setTimeout(r, 50));
    const url = JSON.parse(out.split('\n').find((l) => l.includes('"listening"'))!).url as string;
    assert.equal(await (await fetch(url)).text(), 'hello from wasm\n');
    if (target === 'wrapper') proc.kill('SIGTERM');
    else process.kill(-proc.pid!, 'SIGTERM');
    assert.equal(await exited, 0, err);
    assert.match(err, /SIGTERM: draining/);
    assert.doesNotMatch(err, /again: exiting now/);
    await assert.rejects(fetch(url), 'the host is gone, not orphaned');
  });
}
