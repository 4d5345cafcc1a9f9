// Each builder's failure path: a broken source gives WasmkubeError BUILD_FAILED carrying the tool's
// own diagnostics, and the vendored WIT reads as one source.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildAssemblyScriptWagi } from '../../src/build/assemblyscript.ts';
import { buildCWagi, hasWasiClang } from '../../src/build/clang.ts';
import { componentizeJs } from '../../src/build/componentize.ts';
import { buildWatComponent } from '../../src/build/wat.ts';
import { readWitSource } from '../../src/build/wit-source.ts';
import { isWasmkubeError } from '../../src/errors.ts';

const WIT = fileURLToPath(new URL('../../wit', import.meta.url));
const PROXY = 'wasi:http/proxy@0.2.12';

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'wasmkube-builders-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

function buildFailed(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(isWasmkubeError(err), `expected a WasmkubeError, got ${String(err)}`);
    assert.equal(err.code, 'BUILD_FAILED');
    assert.match(err.message, pattern);
    assert.ok(err.fix, 'a build failure says how to fix it');
    return true;
  };
}

describe('vendored WIT', () => {
  test('reads as one source with every WASI 0.2.12 package nested', async () => {
    const source = await readWitSource(WIT);
    assert.match(source, /^\/\/ Root package/);
    for (const pkg of ['cli', 'clocks', 'filesystem', 'http', 'io', 'random', 'sockets']) {
      assert.match(source, new RegExp(`package wasi:${pkg}@0\\.2\\.12 \\{`));
    }
  });

  test('a folder without a root package is refused', async () => {
    await assert.rejects(readWitSource(work), buildFailed(/no \.wit file/));
  });
});

describe('buildWatComponent', () => {
  test('reports WAT syntax errors from the parser', async () => {
    await assert.rejects(
      buildWatComponent('(module (func $f (i32.bogus)))', WIT, PROXY),
      buildFailed(/parse/),
    );
  });

  test('reports a module that does not match the world', async () => {
    const wat =
      '(module (memory (export "memory") 1) (func (export "wasi:http/incoming-handler@0.2.12#handle")))';
    await assert.rejects(buildWatComponent(wat, WIT, PROXY), buildFailed(/component-new|embed/));
  });

  test('reports an unknown world', async () => {
    await assert.rejects(buildWatComponent('(module)', WIT, 'wasi:http/nope@0.2.12'), buildFailed(/embed/));
  });
});

describe('toolchain failures', () => {
  test('asc errors name the file and line', async () => {
    const entry = join(work, 'broken.ts');
    await writeFile(entry, 'const x: i32 = "not a number";\n');
    await assert.rejects(
      buildAssemblyScriptWagi({ entry, out: join(work, 'broken.wasm') }),
      buildFailed(/broken\.ts[\s\S]*TS2322|TS2322[\s\S]*broken\.ts/),
    );
  });

  test('componentize-js parse errors come back from the child process', { timeout: 120_000 }, async () => {
    const source = join(work, 'broken.js');
    await writeFile(source, 'export const incomingHandler = { handle( { };\n');
    await assert.rejects(
      componentizeJs({ source, witDir: WIT, out: join(work, 'broken-js.wasm') }),
      buildFailed(/failed to parse JS source/),
    );
  });

  test('clang errors carry its diagnostics', {
    skip: !hasWasiClang() && 'no clang for wasm32-wasi',
  }, async () => {
    const source = join(work, 'broken.c');
    await writeFile(source, 'int main(void) { return missing; }\n');
    await assert.rejects(buildCWagi({ source, out: join(work, 'broken-c.wasm') }), buildFailed(/missing/));
  });
});
