// The shop example's services build from source the way the manifest's toolchains do: orders
// (componentize-js) is a wasi:http component that calls out and keeps key-value state, payments
// (AssemblyScript) a WAGI module (its chaining, files and state are exercised in test/cli/example-shop).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { File, OpenFile, WASI } from '@bjorn3/browser_wasi_shim';
import { buildCached } from '../../src/build/index.ts';
import { GUEST_CACHE_DIR } from '../helpers/guests.ts';

const shop = (path: string) => fileURLToPath(new URL(`../../examples/shop/${path}`, import.meta.url));
const WIT = fileURLToPath(new URL('../../wit', import.meta.url));

test('orders builds to a wasi:http/proxy component', { timeout: 600_000 }, async () => {
  const { path } = await buildCached(
    { kind: 'js', source: shop('orders/src/app.js'), witDir: WIT, world: 'wasmkube:guests/http-state@0.1.0' },
    { cacheDir: GUEST_CACHE_DIR },
  );
  const bytes = new Uint8Array(await readFile(path));
  assert.deepEqual([...bytes.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const wit = await componentWit(bytes);
  assert.match(wit, /export wasi:http\/incoming-handler@0\.2\.12;/);
  assert.match(wit, /import wasi:http\/outgoing-handler@0\.2\.12;/);
  assert.match(wit, /import wasi:keyvalue\/store@0\.2\.0-draft2;/);
});

test('payments answers GET and POST /payments as a CGI program', async () => {
  const { path } = await buildCached(
    { kind: 'assemblyscript', source: shop('payments/src/index.ts') },
    { cacheDir: GUEST_CACHE_DIR },
  );
  const module = await WebAssembly.compile(await readFile(path));
  const run = (env: string[], stdin = '') => {
    const fds = [
      new OpenFile(new File(new TextEncoder().encode(stdin))),
      new OpenFile(new File([])),
      new OpenFile(new File([])),
    ];
    const wasi = new WASI(['payments.wasm'], env, fds, { debug: false });
    wasi.start(new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport }) as never);
    return new TextDecoder().decode(fds[1].file.data);
  };

  // Without the processor key (the secret variable) it refuses to charge, before touching /data.
  const refused = run(['REQUEST_METHOD=POST', 'SCRIPT_NAME=/payments', 'PATH_INFO='], '{"order":"ord-1"}');
  assert.match(refused, /^Status: 503 Service Unavailable\nContent-Type: application\/json\n\n/);
  assert.match(refused, /payments_api_key/);
  assert.match(run(['REQUEST_METHOD=GET', 'PATH_INFO=/refunds']), /^Status: 404 Not Found\n/);
  assert.match(
    run(['REQUEST_METHOD=PUT', 'SCRIPT_NAME=/payments', 'PATH_INFO=']),
    /^Status: 405 Method Not Allowed\n/,
  );
});
