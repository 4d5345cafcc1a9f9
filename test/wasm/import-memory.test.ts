import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryPool, POOLED_MEMORY } from '../../src/host/engines/wagi/memory-pool.ts';
import { instrumentModule } from '../../src/host/engines/wasm/instrument.ts';
import { wat } from './wat.ts';

type Fn = (...args: number[]) => number;
const PAGE = 65536;
const INTO = { module: 'wasmkube', name: 'memory' };

const SOURCE = `(module
  (memory (export "memory") 2)
  (data (i32.const 16) "seed")
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "scribble") (i32.store (i32.const 4096) (i32.const 0x41424344)))
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))`;

describe('instrumentModule: importMemory', () => {
  it('turns the defined memory into an import with the capped limits; data lands in the given memory', () => {
    const { bytes, instrumented } = instrumentModule(wat(SOURCE), {
      maxMemoryBytes: 4 * PAGE,
      interrupt: true,
      importMemory: INTO,
    });
    assert.deepEqual(instrumented.importedMemory, { initialPages: 2, maximumPages: 4 });
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 4 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasmkube: { memory } });
    assert.equal(instance.exports.memory, memory);
    assert.equal(Buffer.from(memory.buffer, 16, 4).toString(), 'seed');
    assert.equal((instance.exports.grow as Fn)(2), 2);
    assert.equal((instance.exports.grow as Fn)(1), -1, 'the cap still holds');
  });

  it('refuses a memory larger than the capped maximum', () => {
    const { bytes } = instrumentModule(wat(SOURCE), { maxMemoryBytes: 4 * PAGE, importMemory: INTO });
    const tooBig = new WebAssembly.Memory({ initial: 2, maximum: 100 });
    assert.throws(
      () => new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasmkube: { memory: tooBig } }),
    );
  });

  it('leaves modules that import a memory, or define none, as they are', () => {
    const imported = instrumentModule(wat('(module (import "env" "memory" (memory 1)))'), {
      importMemory: INTO,
    });
    assert.equal(imported.instrumented.importedMemory, undefined);
    const none = instrumentModule(wat('(module (func (export "f")))'), { importMemory: INTO });
    assert.equal(none.instrumented.importedMemory, undefined);
  });
});

describe('MemoryPool', () => {
  const { bytes } = instrumentModule(wat(SOURCE), { maxMemoryBytes: 8 * PAGE, importMemory: POOLED_MEMORY });
  const module = new WebAssembly.Module(bytes);
  const run = (memory: WebAssembly.Memory) =>
    new WebAssembly.Instance(module, { [POOLED_MEMORY.module]: { [POOLED_MEMORY.name]: memory } }).exports;

  it('hands back a wiped memory: nothing one instance wrote reaches the next', () => {
    const pool = new MemoryPool({ initialPages: 2, maximumPages: 8 });
    const first = pool.take();
    (run(first).scribble as () => void)();
    assert.equal((run(first).peek as Fn)(4096), 0x41424344);
    pool.give(first);
    const second = pool.take();
    assert.equal(second, first, 'the memory is reused');
    const exports = run(second);
    assert.equal((exports.peek as Fn)(4096), 0);
    assert.equal(Buffer.from(second.buffer, 16, 4).toString(), 'seed', 'data segments are written again');
  });

  it('drops a memory that grew instead of keeping its peak size', () => {
    const pool = new MemoryPool({ initialPages: 2, maximumPages: 8 });
    const grown = pool.take();
    (run(grown).grow as Fn)(3);
    pool.give(grown);
    const next = pool.take();
    assert.notEqual(next, grown);
    assert.equal(next.buffer.byteLength, 2 * PAGE);
  });
});
