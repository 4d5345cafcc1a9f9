import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { customSectionName, readSections } from '../../src/host/engines/wasm/binary.ts';
import {
  FUEL_GLOBAL_EXPORT,
  INTERRUPT_TABLE_EXPORT,
  instrumentModule,
} from '../../src/host/engines/wasm/instrument.ts';
import { attachInterrupt, makeInterruptHook } from '../../src/host/engines/wasm/interrupt.ts';
import { instantiate, wat } from './wat.ts';

type Fn = (...args: number[]) => number;

/** Instantiates the original and the instrumented module (with a generous hook) side by side. */
function both(source: Uint8Array<ArrayBuffer>, imports: () => WebAssembly.Imports = () => ({})) {
  const plain = instantiate(source, imports());
  const { bytes, instrumented } = instrumentModule(source, { interrupt: true });
  const rewritten = instantiate(bytes, imports());
  let refills = 0;
  attachInterrupt(
    rewritten,
    makeInterruptHook(() => {
      refills++;
      return 7; // small, so refills happen inside the nested loops under test
    }),
    7,
  );
  return { plain, rewritten, instrumented, refills: () => refills };
}

const NESTED = wat(`(module
  (tag $e (param i32))
  (func (export "calc") (param $n i32) (result i32) (local $i i32) (local $acc i32) (local $j i32)
    (block $exit
      (loop $outer
        (local.set $j (i32.const 0))
        (block $skip
          (loop $inner
            (block $c (block $b (block $a
              (br_table $a $b $c $c $skip
                (i32.rem_u (i32.add (local.get $i) (local.get $j)) (i32.const 5))))
              (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
              (br $c))
              (local.set $acc (i32.mul (local.get $acc) (i32.const 3)))
              (br $c))
            (local.set $acc (i32.xor (local.get $acc) (local.get $j)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $inner (i32.lt_u (local.get $j) (i32.const 7)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
        (br $outer)))
    (local.get $acc))
  (func (export "tri") (param $n i32) (result i32) (local $k i32) (local $s i32)
    (i32.const 0) (local.get $n)
    (loop $pl (param i32 i32) (result i32)
      (local.set $k) (local.set $s)
      (i32.add (local.get $s) (local.get $k))
      (local.tee $k (i32.sub (local.get $k) (i32.const 1)))
      (br_if $pl (i32.ne (local.get $k) (i32.const 0)))
      (drop)))
  (func (export "tt") (param $n i32) (result i32) (local $i i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (if (i32.eq (local.get $i) (local.get $n))
            (then (throw $e (i32.mul (local.get $i) (i32.const 10)))))
          (br $l))
        (i32.const -1))))
  (func (export "dg") (param $n i32) (result i32) (local $i i32)
    (try $t (result i32)
      (do
        (block $b
          (try
            (do (loop $l
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (if (i32.eq (local.get $i) (local.get $n))
                (then (throw $e (i32.add (local.get $i) (i32.const 7)))))
              (br $l)))
            (delegate $t)))
        (i32.const -1))
      (catch $e))))`);

describe('instrumentModule: interruption', () => {
  it('keeps br, br_if and br_table depths through nested blocks and loops', () => {
    const { plain, rewritten, instrumented, refills } = both(NESTED);
    assert.equal(instrumented.loops, 5);
    assert.equal(instrumented.functions, 0, 'none of them calls a function: loop checks suffice');
    for (const n of [1, 2, 3, 10, 57, 300]) {
      assert.equal((rewritten.exports.calc as Fn)(n), (plain.exports.calc as Fn)(n), `calc(${n})`);
    }
    assert.ok(refills() > 100, 'the checks ran inside the loops');
  });

  it('keeps the operands of a loop with parameters (multi-value block type)', () => {
    const { plain, rewritten } = both(NESTED);
    for (const n of [1, 5, 1000])
      assert.equal((rewritten.exports.tri as Fn)(n), (plain.exports.tri as Fn)(n));
    assert.equal((rewritten.exports.tri as Fn)(1000), 500_500);
  });

  it('keeps try_table catch labels and legacy delegate depths', () => {
    const { plain, rewritten } = both(NESTED);
    for (const n of [1, 3, 100]) {
      assert.equal((rewritten.exports.tt as Fn)(n), n * 10);
      assert.equal((rewritten.exports.tt as Fn)(n), (plain.exports.tt as Fn)(n));
      assert.equal((rewritten.exports.dg as Fn)(n), n + 7);
      assert.equal((rewritten.exports.dg as Fn)(n), (plain.exports.dg as Fn)(n));
    }
  });

  it('works with an existing table and call_indirect (hook table index 1)', () => {
    const source = wat(`(module
      (type $bin (func (param i32 i32) (result i32)))
      (table 2 funcref)
      (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
      (func $mul (type $bin) (i32.mul (local.get 0) (local.get 1)))
      (elem (i32.const 0) $add $mul)
      (func (export "fold") (param $op i32) (param $n i32) (result i32) (local $acc i32) (local $i i32)
        (local.set $acc (i32.const 1))
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $acc (call_indirect (type $bin) (local.get $acc) (local.get $i) (local.get $op)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $acc)))`);
    const { plain, rewritten, refills } = both(source);
    assert.equal((rewritten.exports.fold as Fn)(0, 100), 5051);
    assert.equal((rewritten.exports.fold as Fn)(1, 10), 3_628_800);
    assert.equal((rewritten.exports.fold as Fn)(1, 12), (plain.exports.fold as Fn)(1, 12));
    assert.ok(refills() > 0);
  });

  it('works with imported and defined tables (hook table index 3)', () => {
    const source = wat(`(module
      (type $bin (func (param i32 i32) (result i32)))
      (import "env" "shared" (table $imported 1 funcref))
      (table $a 1 funcref)
      (table $b 2 funcref)
      (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
      (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
      (elem (table $b) (i32.const 1) func $sub)
      (elem (table $imported) (i32.const 0) func $add)
      (func (export "go") (param $x i32) (result i32)
        (call_indirect $imported (type $bin)
          (call_indirect $b (type $bin) (local.get $x) (i32.const 1) (i32.const 1))
          (i32.const 100) (i32.const 0))))`);
    const imports = () => ({ env: { shared: new WebAssembly.Table({ element: 'anyfunc', initial: 1 }) } });
    const { plain, rewritten } = both(source, imports);
    assert.equal((rewritten.exports.go as Fn)(5), 104);
    assert.equal((plain.exports.go as Fn)(5), 104);
  });

  it('creates the type, table, global and export sections a module lacks', () => {
    const source = wat('(module (func $f (loop $l)) (start $f))');
    const { bytes, instrumented } = instrumentModule(source, { interrupt: true });
    assert.equal(instrumented.loops, 1);
    const instance = instantiate(bytes);
    assert.ok(instance.exports[INTERRUPT_TABLE_EXPORT] instanceof WebAssembly.Table);
    assert.ok(instance.exports[FUEL_GLOBAL_EXPORT] instanceof WebAssembly.Global);
    const empty = instrumentModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), { interrupt: true });
    assert.ok(WebAssembly.validate(empty.bytes));
  });

  it('copies every section it does not rewrite byte for byte, the name section included', () => {
    const source = wat(`(module $m
      (memory 1) (global $g i32 (i32.const 3))
      (func $f (export "f") (result i32) (loop $l) (global.get $g))
      (data (i32.const 8) "hello"))`);
    const { bytes } = instrumentModule(source, { interrupt: true });
    const sectionsOf = (b: Uint8Array) =>
      new Map(
        readSections(b, 13, true).map((s) => [
          s.id === 0 ? `custom:${customSectionName(b, s)}` : s.id,
          b.subarray(s.start, s.end),
        ]),
      );
    const before = sectionsOf(source);
    const after = sectionsOf(bytes);
    assert.ok(before.has('custom:name'));
    for (const id of [3, 5, 11, 'custom:name'] as const)
      assert.deepEqual(after.get(id), before.get(id), `section ${id}`);
    for (const id of [1, 4, 6, 7, 10]) assert.notDeepEqual(after.get(id), before.get(id), `section ${id}`);
  });

  it('leaves the code untouched when only memory is capped', () => {
    const source = wat('(module (memory 1) (func (export "f") (loop $l)))');
    const { bytes, instrumented } = instrumentModule(source, { maxMemoryBytes: 1 << 20 });
    assert.deepEqual(instrumented, { memories: 1, loops: 0, functions: 0 });
    assert.equal(bytes.length, source.length + 1); // only the max page count was added
  });

  it('refuses a module that is already instrumented', () => {
    const once = instrumentModule(wat('(module (func (loop)))'), { interrupt: true }).bytes;
    assert.throws(
      () => instrumentModule(once, { interrupt: true }),
      (err) => isWasmkubeError(err) && err.code === 'WASM_INSTRUMENT' && /already/.test(err.message),
    );
  });

  it('refuses a component, which must be split into core modules first', () => {
    const component = new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]);
    assert.throws(
      () => instrumentModule(component, { interrupt: true }),
      (err) => isWasmkubeError(err) && err.code === 'WASM_UNSUPPORTED' && /component/.test(err.message),
    );
  });
});
