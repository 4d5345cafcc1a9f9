// `wasmkube build` and the build step of `up`: runs each service's build command from wasmkube.yaml,
// and a failing command is reported with the service and the command.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, runCli, startUp } from '../helpers/host.ts';

test('wasmkube build runs the build command of every service', async () => {
  const hello = await guestPath('hello-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: built
services:
  hello:
    source: out/hello.wasm
    build: { command: "mkdir -p out && cp ${hello} out/hello.wasm" }
    routes: ["/"]
`);
  const r = await runCli(['build', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /built hello/);
  assert.deepEqual(await readFile(join(dir, 'out/hello.wasm')), await readFile(hello));
});

test('up builds a missing service before serving it', async () => {
  const hello = await guestPath('hello-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: lazy
host: { workers: 1 }
services:
  hello:
    source: out/hello.wasm
    build: { command: "mkdir -p out && cp ${hello} out/hello.wasm" }
    routes: ["/"]
`);
  const up = await startUp([dir]);
  try {
    assert.equal(await (await fetch(`${up.url}/x`)).text(), 'hello from wasm\n');
    assert.match(up.stderr(), /building hello/);
  } finally {
    await up.stop();
  }
});

test('a failing build command names the service and the command', async () => {
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: broken
services:
  api:
    source: out/api.wasm
    build: { command: "echo compiler says no >&2; exit 3" }
    routes: ["/"]
`);
  const r = await runCli(['build', dir]);
  assert.equal(r.code, 70);
  assert.match(r.stderr, /compiler says no/);
  assert.match(
    r.stderr,
    /error\[BUILD_FAILED\]: service 'api': 'echo compiler says no >&2; exit 3' failed \(exit code 3\)/,
  );
});
