// Bad input to `wasmkube up`: every mistake a user can make ends with a message naming the file, the
// field or the flag and a fix, an exit code from the catalog, and no stack trace.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, runCli, startUp } from '../helpers/host.ts';

function noStack(stderr: string) {
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('wasmkube up: bad input', () => {
  test('a folder without a manifest', async () => {
    const dir = await appDir('');
    const r = await runCli(['up', join(dir, 'nothing-here')]);
    assert.equal(r.code, 66);
    assert.match(r.stderr, /error\[MANIFEST_NOT_FOUND\]/);
    assert.match(r.stderr, /fix: /);
    noStack(r.stderr);
  });

  test('an invalid manifest names file, line, column, field and fix', async () => {
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: bad
services:
  orders:
    source: orders.wasm
    routes: ["/orders"]
    limts: { memory: 64Mi }
`);
    const r = await runCli(['up', dir]);
    assert.equal(r.code, 65);
    assert.match(
      r.stderr,
      /error\[MANIFEST_INVALID\]: .*wasmkube\.yaml:7:5: services\.orders\.limts: .*did you mean limits/,
    );
    noStack(r.stderr);
  });

  test('a missing .wasm names the service and the path', async () => {
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: missing
services:
  orders: { source: dist/orders.wasm, routes: ["/orders"] }
`);
    const r = await runCli(['up', dir]);
    assert.equal(r.code, 66);
    assert.match(
      r.stderr,
      /error\[WASM_NOT_FOUND\]: service 'orders': cannot read .*dist\/orders\.wasm: no such file/,
    );
    noStack(r.stderr);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['not wasm at all', Buffer.from('<html>not wasm</html>'), /WASM_INVALID.*not a valid wasm file.*magic/i],
    [
      'a truncated module',
      Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x7f, 0x60]),
      /WASM_INVALID.*not a valid wasm file/,
    ],
    ['an unknown wasm version', Buffer.from([0, 0x61, 0x73, 0x6d, 9, 0, 0, 0]), /WASM_INVALID.*version/i],
    // A valid core module with no _start and no WASI imports: neither a component nor a WAGI command.
    [
      'a library module',
      Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
      /WASM_UNSUPPORTED.*not a WASI command/,
    ],
  ];
  for (const [what, bytes, expected] of bad) {
    test(`${what} fails at start-up with the path and the reason`, async () => {
      const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: corrupt
services:
  broken: { source: broken.wasm, routes: ["/broken"] }
`);
      await writeFile(join(dir, 'broken.wasm'), bytes);
      const r = await runCli(['up', dir]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, expected);
      assert.match(r.stderr, /broken\.wasm/);
      assert.match(r.stderr, /fix: /);
      noStack(r.stderr);
    });
  }

  test('--keep-going serves the services that load and /ready lists the others', async () => {
    const hello = await guestPath('hello-component');
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: partial
host: { workers: 1 }
services:
  broken: { source: broken.wasm, routes: ["/broken"] }
  good: { source: ${hello}, routes: ["/good"] }
`);
    await writeFile(join(dir, 'broken.wasm'), 'garbage');
    const without = await runCli(['up', dir]);
    assert.notEqual(without.code, 0);
    assert.match(without.stderr, /--keep-going/);

    const up = await startUp([dir, '--keep-going']);
    try {
      assert.equal(await (await fetch(`${up.url}/good`)).text(), 'hello from wasm\n');
      const broken = await fetch(`${up.url}/broken`);
      assert.equal(broken.status, 503, 'a service that failed to load is unavailable, not missing');
      assert.equal(((await broken.json()) as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
      const ready = (await (await fetch(`${up.url}/ready`)).json()) as { failed: string[] };
      assert.deepEqual(ready.failed, ['broken']);
      await up.waitForLog((l) => l.level === 'error' && /broken\.wasm/.test(String(l.msg)));
    } finally {
      await up.stop();
    }
  });

  test('a port in use gives LISTEN_FAILED with a fix', async () => {
    const hello = await guestPath('hello-component');
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['up', '--from', hello, '--listen', `127.0.0.1:${port}`, '--workers', '1']);
      assert.equal(r.code, 69);
      assert.match(r.stderr, /error\[LISTEN_FAILED\]: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
      assert.match(r.stderr, /fix: pick another port/);
    } finally {
      blocker.close();
    }
  });

  test('two apps cannot share a port, even with several worker threads (SO_REUSEPORT)', async () => {
    const hello = await guestPath('hello-component');
    const first = await startUp(['--from', hello, '--workers', '2']);
    try {
      const port = new URL(first.url).port;
      const r = await runCli(['up', '--from', hello, '--listen', `127.0.0.1:${port}`, '--workers', '2']);
      assert.equal(r.code, 69);
      assert.match(r.stderr, /error\[LISTEN_FAILED\]: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });

  const flags: [string[], RegExp][] = [
    [['--workers', '0'], /--workers 0 is not a worker count/],
    [['--log-format', 'xml'], /--log-format xml is not a log format/],
    [['--log-level', 'loud'], /--log-level loud is not a log level/],
    [['--listen', 'localhost:99999'], /--listen/],
    [['examples/shop'], /either an app .* or --from/],
  ];
  for (const [args, expected] of flags) {
    test(`bad flag ${args.join(' ')}`, async () => {
      const hello = await guestPath('hello-component');
      const r = await runCli(['up', '--from', hello, ...args]);
      assert.equal(r.code, 64);
      assert.match(r.stderr, expected);
      noStack(r.stderr);
    });
  }
});

describe('wasmkube up --from', () => {
  test('serves a single WAGI module on every path, with pretty logs for humans', async () => {
    const wagi = await guestPath('wagi-hello');
    // With pretty logs the listening line is still JSON on stdout, everything else is human text.
    const up = await startUp(['--from', wagi, '--workers', '1', '--log-format', 'pretty']);
    try {
      assert.equal(await (await fetch(`${up.url}/any/path`)).text(), 'hello from wagi\n');
      const line = await up.waitForLog((l) => l.unparsed === true && /INFO.*request/.test(String(l.msg)));
      assert.doesNotMatch(String(line.msg), /^\{/, 'a human line, not JSON');
      await up.waitForLog((l) => l.unparsed === true && /method: "GET"/.test(String(l.msg)));
    } finally {
      await up.stop();
    }
  });
});

describe('wasmkube schema', () => {
  test('prints the JSON Schema of wasmkube.yaml', async () => {
    const r = await runCli(['schema']);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout) as {
      $id: string;
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    assert.equal(schema.$id, 'https://wasmkube.dev/schema/v1alpha1/app.json');
    assert.ok('services' in schema.properties);
    assert.equal(schema.additionalProperties, false);
  });
});

describe('generated files', () => {
  test('schema/wasmkube.schema.json is what `wasmkube schema` prints (regenerate: npm run schema)', async () => {
    const { readFile } = await import('node:fs/promises');
    const committed = await readFile(new URL('../../schema/wasmkube.schema.json', import.meta.url), 'utf8');
    const r = await runCli(['schema']);
    assert.equal(committed, r.stdout);
  });
});
