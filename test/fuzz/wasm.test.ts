// Property tests of the wasm binary reader and instrumenter: arbitrary and mutated modules give a
// WasmkubeError or an instrumented module, never another exception; a valid module stays valid once
// instrumented; and no generated module can grow its memory past the cap, whatever limits it declares.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isWasmkubeError } from '../../src/errors.ts';
import { detectWasmKind, instrumentModule } from '../../src/host/engines/wasm/index.ts';
import { wat } from '../wasm/wat.ts';
import { params } from './config.ts';

const PAGE = 65536;
const CAP = 16 * PAGE;

/** Valid modules to mutate: memories, loops, calls, tables, globals, a start function, data. */
const SEEDS = [
  '(module (memory 1) (func (export "f") (param i32) (result i32) (loop (br_if 0 (i32.eqz (local.get 0)))) (local.get 0)))',
  '(module (memory 1 4) (data (i32.const 0) "hello") (func $a (result i32) (i32.const 1)) (func (export "g") (result i32) (call $a)))',
  '(module (import "env" "memory" (memory 1)) (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (func (export "_start")))',
  '(module (table 2 funcref) (global (mut i32) (i32.const 0)) (func $s) (start $s) (elem (i32.const 0) $s) (func (export "h") (block (loop (br 1)))))',
  '(module (memory 2 100) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))',
].map(wat);

function instrumentSafely(bytes: Uint8Array, opts: Parameters<typeof instrumentModule>[1]) {
  try {
    return instrumentModule(bytes, opts);
  } catch (err) {
    assert.ok(isWasmkubeError(err), `not a WasmkubeError: ${err instanceof Error ? err.stack : String(err)}`);
    return undefined;
  }
}

function detectSafely(bytes: Uint8Array): void {
  try {
    detectWasmKind(bytes);
  } catch (err) {
    assert.ok(isWasmkubeError(err), `not a WasmkubeError: ${err instanceof Error ? err.stack : String(err)}`);
  }
}

const options = fc.record({
  maxMemoryBytes: fc.constantFrom(undefined, CAP, PAGE, 3 * PAGE + 7),
  interrupt: fc.boolean(),
  importMemory: fc.constantFrom(undefined, { module: 'wasmkube', name: 'memory' }),
  exportState: fc.boolean(),
});

/** A valid module, cut, with bytes flipped, inserted or deleted. */
const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(
      fc.tuple(
        fc.constantFrom('flip', 'insert', 'delete', 'cut'),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([seed, edits]) => {
    let b = Array.from(seed);
    for (const [op, at, value] of edits) {
      const i = at % (b.length + 1);
      if (op === 'flip') b[Math.min(i, b.length - 1)] = value;
      else if (op === 'insert') b.splice(i, 0, value);
      else if (op === 'delete') b.splice(i, 1);
      else b = b.slice(0, Math.max(8, i));
    }
    return Uint8Array.from(b);
  });

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const anyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([...header, ...b])),
  // Sections with plausible ids and wild sizes (LEB128 up to 5 bytes).
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: 13 }), fc.uint8Array({ maxLength: 20 })), { maxLength: 6 })
    .map((ss) => Uint8Array.from([...header, ...ss.flatMap(([id, p]) => [id, p.length, ...p])])),
);

test('arbitrary bytes: a WasmkubeError or a result, from both the kind reader and the instrumenter', () => {
  fc.assert(
    fc.property(anyBytes, options, (bytes, opts) => {
      detectSafely(bytes);
      const out = instrumentSafely(bytes, opts);
      if (out && WebAssembly.validate(bytes))
        assert.ok(WebAssembly.validate(out.bytes), 'valid in, valid out');
    }),
    params(6),
  );
});

test('mutated valid modules: never a crash; still valid if they were valid', () => {
  fc.assert(
    fc.property(mutated, options, (bytes, opts) => {
      detectSafely(bytes);
      const out = instrumentSafely(bytes, opts);
      if (out && WebAssembly.validate(bytes))
        assert.ok(WebAssembly.validate(out.bytes), 'valid in, valid out');
    }),
    params(6),
  );
});

test('whatever memory limits a module declares, it cannot grow past the cap', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20 }),
      fc.option(fc.integer({ min: 0, max: 65536 }), { nil: undefined }),
      fc.array(fc.integer({ min: 0, max: 70000 }), { minLength: 1, maxLength: 4 }),
      (min, max, grows) => {
        if (max !== undefined && max < min) return;
        const source = `(module (memory (export "mem") ${min}${max === undefined ? '' : ` ${max}`})
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;
        const out = instrumentSafely(wat(source), { maxMemoryBytes: CAP, interrupt: true });
        if (!out) {
          assert.ok(min * PAGE > CAP, `refused though it starts at ${min} pages, within the cap`);
          return;
        }
        const { exports } = new WebAssembly.Instance(new WebAssembly.Module(out.bytes), {});
        const grow = exports.grow as (n: number) => number;
        const mem = exports.mem as WebAssembly.Memory;
        for (const n of grows) {
          grow(n);
          try {
            mem.grow(n);
          } catch {
            // RangeError beyond the maximum: what the cap is for.
          }
          assert.ok(mem.buffer.byteLength <= CAP, `memory at ${mem.buffer.byteLength} bytes, cap ${CAP}`);
        }
      },
    ),
    params(),
  );
});
