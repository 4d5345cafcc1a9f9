import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { instrumentModule } from '../../src/host/engines/wasm/instrument.ts';
import { instantiate, wat } from './wat.ts';

type Fn = (...args: number[]) => number;
const MiB = 1024 * 1024;
const PAGE = 65536;

function capped(source: string, maxMemoryBytes: number, imports: WebAssembly.Imports = {}) {
  const { bytes, instrumented } = instrumentModule(wat(source), { maxMemoryBytes });
  return { instance: instantiate(bytes, imports), instrumented, bytes };
}

const GROW = `(func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "size") (result i32) (memory.size))`;

describe('instrumentModule: memory cap', () => {
  it('gives a memory without a maximum the cap: memory.grow beyond it returns -1', () => {
    const { instance, instrumented } = capped(`(module (memory 1) ${GROW})`, 2 * MiB);
    assert.equal(instrumented.memories, 1);
    const grow = instance.exports.grow as Fn;
    assert.equal(grow(31), 1); // 32 pages = 2 MiB: allowed
    assert.equal(grow(1), -1);
    assert.equal((instance.exports.size as Fn)(), 32);
    // Without the rewrite the same module grows freely.
    assert.equal((instantiate(wat(`(module (memory 1) ${GROW})`)).exports.grow as Fn)(64), 1);
  });

  it('lowers a larger maximum and keeps a smaller one', () => {
    const lowered = capped(`(module (memory 2 100) ${GROW})`, 10 * PAGE).instance;
    assert.equal((lowered.exports.grow as Fn)(9), -1);
    assert.equal((lowered.exports.grow as Fn)(8), 2);
    const kept = capped(`(module (memory 2 5) ${GROW})`, 10 * PAGE).instance;
    assert.equal((kept.exports.grow as Fn)(4), -1);
    assert.equal((kept.exports.grow as Fn)(3), 2);
  });

  it('rounds the cap down to whole pages', () => {
    const { instance } = capped(`(module (memory 1) ${GROW})`, 2 * PAGE + 100);
    assert.equal((instance.exports.grow as Fn)(2), -1);
    assert.equal((instance.exports.grow as Fn)(1), 1);
  });

  it('rejects a module whose initial memory is above the cap, saying how much to allow', () => {
    assert.throws(
      () => instrumentModule(wat('(module (memory 40))'), { maxMemoryBytes: MiB }),
      (err) =>
        isWasmkubeError(err) &&
        err.code === 'GUEST_MEMORY' &&
        /memory 0 starts at 40 pages/.test(err.message) &&
        err.fix === 'raise limits.memory to at least 3 MiB',
    );
  });

  it('caps an imported memory: the host must supply one within the cap', () => {
    const source = `(module (import "env" "memory" (memory 1)) ${GROW})`;
    const { bytes, instrumented } = instrumentModule(wat(source), { maxMemoryBytes: 2 * MiB });
    assert.equal(instrumented.memories, 1);
    const mod = new WebAssembly.Module(bytes);
    const link = (memory: WebAssembly.Memory) => new WebAssembly.Instance(mod, { env: { memory } });
    assert.throws(() => link(new WebAssembly.Memory({ initial: 1 })), WebAssembly.LinkError);
    assert.throws(() => link(new WebAssembly.Memory({ initial: 1, maximum: 33 })), WebAssembly.LinkError);
    const instance = link(new WebAssembly.Memory({ initial: 1, maximum: 32 }));
    assert.equal((instance.exports.grow as Fn)(32), -1);
    // The original accepted any memory.
    new WebAssembly.Instance(new WebAssembly.Module(wat(source)), {
      env: { memory: new WebAssembly.Memory({ initial: 1 }) },
    });
  });

  it('rejects an imported memory whose minimum is above the cap', () => {
    assert.throws(
      () => instrumentModule(wat('(module (import "env" "mem" (memory 64)))'), { maxMemoryBytes: MiB }),
      (err) => isWasmkubeError(err) && err.code === 'GUEST_MEMORY' && /env\.mem/.test(err.message),
    );
  });

  it('caps a shared memory (flags 0x03)', () => {
    const { instance } = capped(
      `(module (memory 1 1000 shared)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`,
      4 * PAGE,
    );
    assert.equal((instance.exports.grow as Fn)(4), -1);
    assert.equal((instance.exports.grow as Fn)(3), 1);
  });

  it('caps a memory64 memory (flags 0x04, 64-bit page counts)', () => {
    const { instance } = capped(
      `(module (memory i64 1)
        (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))`,
      4 * PAGE,
    );
    const grow = instance.exports.grow as (n: bigint) => bigint;
    assert.equal(grow(4n), -1n);
    assert.equal(grow(3n), 1n);
  });

  it('caps every memory of a multi-memory module, imported ones included', () => {
    const { bytes, instrumented } = instrumentModule(
      wat(`(module (import "env" "m" (memory 1)) (memory $a 1) (memory $b 2 3)
        (func (export "grow_a") (param i32) (result i32) (memory.grow $a (local.get 0)))
        (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0))))`),
      { maxMemoryBytes: 2 * PAGE },
    );
    assert.equal(instrumented.memories, 3);
    const instance = instantiate(bytes, { env: { m: new WebAssembly.Memory({ initial: 1, maximum: 2 }) } });
    assert.equal((instance.exports.grow_a as Fn)(2), -1);
    assert.equal((instance.exports.grow_a as Fn)(1), 1);
    assert.equal((instance.exports.grow_b as Fn)(1), -1);
  });

  it('caps memory and adds interruption in one pass', () => {
    const { bytes, instrumented } = instrumentModule(wat(`(module (memory 1) ${GROW} (func (loop)))`), {
      maxMemoryBytes: 2 * PAGE,
      interrupt: true,
    });
    assert.deepEqual(instrumented, { memories: 1, loops: 1, functions: 0 });
    assert.equal((instantiate(bytes).exports.grow as Fn)(2), -1);
  });

  it('rejects a negative or fractional cap', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => instrumentModule(wat('(module)'), { maxMemoryBytes: bad }),
        (err) => isWasmkubeError(err) && err.code === 'BAD_ARGUMENT',
      );
    }
  });
});
