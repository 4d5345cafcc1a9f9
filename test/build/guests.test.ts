// Builds every test guest through the build cache and checks what came out: component or core module
// layer, the WIT imports/exports, and, for WAGI guests, a real run with in-memory stdio.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { File, OpenFile, WASI } from '@bjorn3/browser_wasi_shim';
import { buildCached } from '../../src/build/index.ts';
import { GUEST_CACHE_DIR, GUESTS, type GuestName, guestAvailable, guestPath } from '../helpers/guests.ts';

const COMPONENT_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const CORE_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

interface WagiRun {
  readonly exit: number | 'trap';
  readonly trap?: string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a WAGI module once the way a CGI host would: env vars, stdin bytes, captured stdout/stderr. */
function runWagi(
  module: WebAssembly.Module,
  env: Record<string, string>,
  stdin = '',
  args: readonly string[] = ['guest.wasm'],
): WagiRun {
  const fds = [
    new OpenFile(new File(new TextEncoder().encode(stdin))),
    new OpenFile(new File([])),
    new OpenFile(new File([])),
  ];
  const wasi = new WASI(
    [...args],
    Object.entries(env).map(([k, v]) => `${k}=${v}`),
    fds,
    { debug: false },
  );
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport });
  const text = (fd: OpenFile) => new TextDecoder().decode(fd.file.data);
  try {
    const exit = wasi.start(instance as never);
    return { exit, stdout: text(fds[1]), stderr: text(fds[2]) };
  } catch (err) {
    assert.ok(err instanceof WebAssembly.RuntimeError, `expected a wasm trap, got ${String(err)}`);
    return { exit: 'trap', trap: err.message, stdout: text(fds[1]), stderr: text(fds[2]) };
  }
}

function cgiEnv(path: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: path,
    QUERY_STRING: '',
    SERVER_PROTOCOL: 'HTTP/1.1',
    X_FULL_URL: `http://127.0.0.1${path}`,
    ...extra,
  };
}

async function componentWorld(bytes: Uint8Array): Promise<string> {
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  return componentWit(bytes);
}

async function wagiModule(name: GuestName): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(await guestPath(name)));
}

const names = Object.keys(GUESTS) as GuestName[];

describe('every guest builds through the cache', () => {
  for (const name of names) {
    const info = GUESTS[name];
    const skip = guestAvailable(name)
      ? false
      : `${name} needs clang for wasm32-wasi (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32)`;
    test(`${name} (${info.engine})`, { skip, timeout: 600_000 }, async () => {
      const path = await guestPath(name);
      const again = await buildCached(info.spec, { cacheDir: GUEST_CACHE_DIR });
      assert.equal(again.hit, true, 'second build of the same sources must be a cache hit');
      assert.equal(again.path, path);
      const bytes = new Uint8Array(await readFile(path));
      if (info.engine === 'component') {
        assert.deepEqual([...bytes.subarray(0, 8)], COMPONENT_PREAMBLE, 'component layer preamble');
        assert.match(await componentWorld(bytes), /export wasi:http\/incoming-handler@0\.2\.12;/);
      } else {
        assert.deepEqual([...bytes.subarray(0, 8)], CORE_PREAMBLE, 'core module preamble');
        const module = await WebAssembly.compile(bytes);
        const start = WebAssembly.Module.exports(module).find((e) => e.name === '_start');
        assert.equal(start?.kind, 'function', 'WAGI modules are WASI commands exporting _start');
        const importModules = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
        assert.deepEqual([...importModules], ['wasi_snapshot_preview1']);
      }
    });
  }
});

describe('components', () => {
  test('hello-component is tiny and imports only wasi:http/types and wasi:io', async () => {
    const bytes = await readFile(await guestPath('hello-component'));
    assert.ok(bytes.length < 16 * 1024, `hello-component is ${bytes.length} bytes`);
    const imports = [...(await componentWorld(bytes)).matchAll(/import ([^;]+);/g)].map((m) => m[1]).sort();
    assert.deepEqual(imports, ['wasi:http/types@0.2.12', 'wasi:io/error@0.2.12', 'wasi:io/streams@0.2.12']);
  });

  test('echo-component imports input streams; both transpile with jco-transpile', async () => {
    const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
    for (const name of ['hello-component', 'echo-component'] as const) {
      const bytes = new Uint8Array(await readFile(await guestPath(name)));
      const out = await transpileBytes(bytes, { name, instantiation: { tag: 'sync' } });
      assert.ok(
        out.exports.some(([exported]) => exported === 'wasi:http/incoming-handler@0.2.12'),
        `${name} exports ${JSON.stringify(out.exports)}`,
      );
      assert.ok(out.imports.includes('wasi:http/types'), `${name} imports ${out.imports.join(', ')}`);
      assert.ok(out.files[`${name}.js`], 'generated glue');
    }
    const echo = await componentWorld(new Uint8Array(await readFile(await guestPath('echo-component'))));
    assert.match(echo, /import wasi:io\/streams@0\.2\.12;/);
  });

  test('js-component targets http-service: it can read the environment', { timeout: 600_000 }, async () => {
    const world = await componentWorld(new Uint8Array(await readFile(await guestPath('js-component'))));
    assert.match(world, /import wasi:cli\/environment@0\.2\.12;/);
    assert.match(world, /import wasi:http\/types@0\.2\.12;/);
  });
});

describe('WAGI guests run as CGI programs', () => {
  test('wagi-hello prints a text/plain CGI response', async () => {
    const run = runWagi(await wagiModule('wagi-hello'), cgiEnv('/'));
    assert.deepEqual(run, { exit: 0, stdout: 'Content-Type: text/plain\n\nhello from wagi\n', stderr: '' });
  });

  test('wagi-test dispatches on PATH_INFO', async () => {
    const module = await wagiModule('wagi-test');
    assert.equal(runWagi(module, cgiEnv('/hello')).stdout, 'Content-Type: text/plain\n\nhello from wagi\n');

    const body = 'x'.repeat(100_000);
    const echo = runWagi(
      module,
      cgiEnv('/echo', {
        REQUEST_METHOD: 'POST',
        CONTENT_TYPE: 'text/csv',
        CONTENT_LENGTH: String(body.length),
      }),
      body,
    );
    assert.equal(echo.stdout, `Content-Type: text/csv\n\n${body}`);

    const env = runWagi(module, cgiEnv('/env', { HTTP_X_TRACE: 'abc' }));
    assert.match(env.stdout, /^Content-Type: text\/plain\n\n/);
    assert.match(env.stdout, /\nHTTP_X_TRACE=abc\n/);
    assert.match(env.stdout, /\nPATH_INFO=\/env\n/);

    assert.equal(
      runWagi(module, cgiEnv('/created')).stdout,
      'Status: 201 Created\nContent-Type: application/json\n\n{"created":true}\n',
    );
    assert.equal(runWagi(module, cgiEnv('/redirect')).stdout, 'Location: /hello\n\n');
    assert.equal(
      runWagi(module, cgiEnv('/args'), '', ['/guest.wasm', 'one']).stdout,
      'Content-Type: text/plain\n\n/guest.wasm\none\n',
    );

    const log = runWagi(module, cgiEnv('/log'));
    assert.equal(log.stdout, 'Content-Type: text/plain\n\nlogged\n');
    assert.equal(log.stderr, 'wagi-test: log line to stderr\n');

    const trap = runWagi(module, cgiEnv('/trap'));
    assert.equal(trap.exit, 'trap');
    assert.match(trap.trap ?? '', /unreachable/);

    const grow = runWagi(module, cgiEnv('/grow', { QUERY_STRING: 'mb=8' }));
    assert.equal(grow.stdout, 'Content-Type: text/plain\n\ngrew 8 MiB\n');

    const missing = runWagi(module, cgiEnv('/nope'));
    assert.match(missing.stdout, /^Status: 404 Not Found\n/);
  });

  test('wagi-c answers hello and echoes stdin', {
    skip: !guestAvailable('wagi-c') && 'no clang for wasm32-wasi',
  }, async () => {
    const module = await wagiModule('wagi-c');
    assert.equal(runWagi(module, cgiEnv('/')).stdout, 'Content-Type: text/plain\n\nhello from c\n');
    const body = 'y'.repeat(200_000);
    const echo = runWagi(module, cgiEnv('/echo', { REQUEST_METHOD: 'POST', CONTENT_TYPE: 'text/x-c' }), body);
    assert.equal(echo.stdout, `Content-Type: text/x-c\n\n${body}`);
  });
});
