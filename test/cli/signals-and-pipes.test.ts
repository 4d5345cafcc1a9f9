// The CLI as a shell user meets it: `kill -TERM` on the `npx` process stops the host it started (npm's
// `sh -c` in between does not pass signals on), and a closed stdout (`| head -1`) ends quietly with 0.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { CLI, ROOT } from '../helpers/host.ts';

test('wasmkube schema | head -1: exit status 0, nothing on stderr', () => {
  const r = spawnSync(
    'bash',
    [
      '-c',
      `set -o pipefail; "${process.execPath}" "${CLI}" schema | head -1; echo "status=\${PIPESTATUS[0]}" >&2`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.stdout, '{\n');
  assert.equal(r.stderr, 'status=0\n');
});

test('SIGTERM to the npx process stops the host (no orphan keeps the port)', async () => {
  const hello = await guestPath('hello-component');
  const proc = spawn(
    'npx',
    ['wasmkube', 'up', '--from', hello, '--listen', '127.0.0.1:0', '--workers', '1'],
    {
      cwd: ROOT,
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
  const started = Date.now();
  while (!out.includes('"listening"')) {
    assert.ok(Date.now() - started < 60_000 && proc.exitCode === null, `no listening line; stderr:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = JSON.parse(out.split('\n').find((l) => l.includes('"listening"'))!).url as string;
  assert.equal(await (await fetch(url)).text(), 'hello from wasm\n');
  proc.kill('SIGTERM');
  // The host is a grandchild: it is gone when its port stops answering.
  let gone = false;
  for (let i = 0; i < 100 && !gone; i++) {
    await new Promise((r) => setTimeout(r, 100));
    gone = await fetch(url, { headers: { connection: 'close' } }).then(
      () => false,
      () => true,
    );
  }
  assert.ok(gone, 'the host stopped within 10 s of SIGTERM to npx');
});

test("a local up stops at once on SIGTERM when idle: the manifest's drain delay is for pods", async () => {
  const hello = await guestPath('hello-component');
  const { appDir } = await import('../helpers/host.ts');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: laptop
host: { workers: 1, shutdown: { drainDelay: 20s, gracePeriod: 30s } }
services:
  hello: { source: ${hello}, routes: ["/..."] }
`);
  const env = { ...process.env };
  delete env.KUBERNETES_SERVICE_HOST;
  const proc = spawn(process.execPath, [CLI, 'up', dir, '--listen', '127.0.0.1:0'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  const signalled = Date.now();
  proc.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  assert.match(err, /SIGTERM: stopping \(up to 30000 ms for in-flight requests\)/);
  assert.ok(Date.now() - signalled < 15_000, 'did not wait for the 20 s drain delay');
});
