// The shop example's services build from source the way the manifest's build commands do:
// orders (componentize-js) is a wasi:http component, payments (AssemblyScript) a working WAGI module.

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
    { kind: 'js', source: shop('orders/src/app.js'), witDir: WIT },
    { cacheDir: GUEST_CACHE_DIR },
  );
  const bytes = new Uint8Array(await readFile(path));
  assert.deepEqual([...bytes.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  assert.match(await componentWit(bytes), /export wasi:http\/incoming-handler@0\.2\.12;/);
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

  assert.equal(
    run(['REQUEST_METHOD=GET', 'SCRIPT_NAME=', 'PATH_INFO=/payments']),
    'Status: 200 OK\nContent-Type: application/json\n\n{"status":"ok","service":"payments"}\n',
  );
  const body = '{"order":"ord-1","amount":1200}';
  const post = run(['REQUEST_METHOD=POST', 'SCRIPT_NAME=/payments', 'PATH_INFO='], body);
  const [head, json] = post.split('\n\n');
  assert.equal(head, 'Status: 201 Created\nContent-Type: application/json');
  const payment = JSON.parse(json) as { id: string; status: string; bytes: number };
  assert.match(payment.id, /^pay_[0-9a-f]{8}$/);
  assert.deepEqual({ ...payment, id: 'x' }, { id: 'x', status: 'authorized', bytes: body.length });
  assert.equal(
    run(['REQUEST_METHOD=POST', 'PATH_INFO=/payments'], body),
    post,
    'the id is derived from the body: retries get the same payment',
  );
  assert.match(run(['REQUEST_METHOD=GET', 'PATH_INFO=/refunds']), /^Status: 404 Not Found\n/);
});
