import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseComponentWat } from '@bytecodealliance/jco-transpile/wasm-tools';
import { isWasmkubeError } from '../../src/errors.ts';
import { detectWasmKind, isWagiCommand } from '../../src/host/engines/wasm/kind.ts';
import { wat } from './wat.ts';

const COMMAND = wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (global (export "g") i32 (i32.const 0))
  (func (export "_start")))`);

function invalid(pattern: RegExp) {
  return (err: unknown) => isWasmkubeError(err) && err.code === 'WASM_INVALID' && pattern.test(err.message);
}

describe('detectWasmKind', () => {
  it('lists the imports and exports of a module', () => {
    const info = detectWasmKind(COMMAND);
    assert.deepEqual(info, {
      kind: 'module',
      imports: [
        { module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'func' },
        { module: 'wasi_unstable', name: 'proc_exit', kind: 'func' },
      ],
      exports: [
        { name: 'memory', kind: 'memory' },
        { name: 'g', kind: 'global' },
        { name: '_start', kind: 'func' },
      ],
    });
    assert.equal(isWagiCommand(info), true);
  });

  it('recognises a component built by wasm-tools', async () => {
    const component = await parseComponentWat(`(component
      (core module $m (func (export "f")))
      (core instance (instantiate $m)))`);
    assert.deepEqual(detectWasmKind(component), { kind: 'component' });
    assert.equal(isWagiCommand(detectWasmKind(component)), false);
  });

  it('tells WAGI commands from other modules', () => {
    assert.equal(isWagiCommand(detectWasmKind(wat('(module (func (export "_start")))'))), true);
    assert.equal(isWagiCommand(detectWasmKind(wat('(module (func (export "main")))'))), false);
    const env = wat('(module (import "env" "f" (func)) (func (export "_start")))');
    assert.equal(isWagiCommand(detectWasmKind(env)), false);
    const notFunc = wat('(module (global (export "_start") i32 (i32.const 0)))');
    assert.equal(isWagiCommand(detectWasmKind(notFunc)), false);
  });

  it('rejects input that is not wasm, naming the reason', () => {
    const text = new TextEncoder().encode('(module (func))');
    assert.throws(() => detectWasmKind(text), invalid(/bad magic 28 6d 6f 64/));
    assert.throws(() => detectWasmKind(new Uint8Array([0, 0x61])), invalid(/too short/));
    assert.throws(
      () => detectWasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0])),
      invalid(/truncated header/),
    );
    assert.throws(
      () => detectWasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])),
      invalid(/version 2/),
    );
    assert.throws(
      () => detectWasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 2, 0])),
      invalid(/layer 2/),
    );
    assert.throws(
      () => detectWasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0c, 0, 1, 0])),
      invalid(/component binary version 0xc/),
    );
  });

  it('rejects a truncated module, naming the section and its offset', () => {
    const cut = COMMAND.subarray(0, COMMAND.length - 10);
    assert.throws(() => detectWasmKind(cut), invalid(/truncated section \d+ \(id \d+\) at offset \d+/));
    // Cut inside the import section: the section list is read first, so the import section is named.
    const importAt = COMMAND.indexOf(0x02, 8);
    assert.throws(
      () => detectWasmKind(COMMAND.subarray(0, importAt + 10)),
      invalid(new RegExp(`truncated section 1 \\(id 2\\) at offset ${importAt}`)),
    );
  });

  it('rejects corrupt section contents and order', () => {
    // A type and a function section, then the same two in the wrong order.
    const sections = [1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0];
    const ok = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...sections]);
    assert.equal(detectWasmKind(ok).kind, 'module');
    const swapped = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 3, 2, 1, 0, 1, 4, 1, 0x60, 0, 0]);
    assert.throws(() => detectWasmKind(swapped), invalid(/out of order/));
    const unknownId = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 42, 0]);
    assert.throws(() => detectWasmKind(unknownId), invalid(/unknown section id 42/));
    // An export section whose entry claims a 100-byte name.
    const badExport = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 7, 3, 1, 100, 0x61]);
    assert.throws(() => detectWasmKind(badExport), invalid(/truncated section 0 \(export\) at offset 12/));
    const badLeb = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert.throws(() => detectWasmKind(badLeb), invalid(/malformed LEB128/));
  });

  it('accepts the smallest module and component', () => {
    assert.deepEqual(detectWasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), {
      kind: 'module',
      imports: [],
      exports: [],
    });
    assert.deepEqual(detectWasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0])), {
      kind: 'component',
    });
  });
});
