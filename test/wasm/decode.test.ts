import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { instrumentModule } from '../../src/host/engines/wasm/instrument.ts';
import { attachInterrupt, makeInterruptHook } from '../../src/host/engines/wasm/interrupt.ts';
import { body, instantiate, moduleBytes, section, str, uleb, vec, wat } from './wat.ts';

type Fn = (...args: number[]) => number;

/*
 * Each module puts instructions with unusual immediates right before a loop. If the decoder skipped
 * an immediate wrongly, the check would land mid-instruction: the loop count would be off or the
 * rewritten module would not validate or compute the same result.
 */
const FEATURES: {
  name: string;
  source: Uint8Array<ArrayBuffer>;
  loops: number;
  run: (e: WebAssembly.Exports) => unknown;
}[] = [
  {
    name: 'MVP numerics, constants, sign extension, saturating truncation',
    loops: 1,
    run: (e) => (e.f as Fn)(3),
    source: wat(`(module (func (export "f") (param i32) (result i32) (local i64)
      (local.set 1 (i64.const -9223372036854775808))
      (drop (f64.const 1.5)) (drop (f32.const -2.25))
      (drop (i32.extend8_s (i32.const 200)))
      (drop (i32.trunc_sat_f64_s (f64.const 1e300)))
      (drop (i64.trunc_sat_f32_u (f32.const -1)))
      (loop $l (br_if $l (i32.eqz (i32.const 1))))
      (i32.add (local.get 0) (i32.wrap_i64 (i64.shr_u (local.get 1) (i64.const 60))))))`),
  },
  {
    name: 'SIMD: memargs, v128.const, shuffle, lanes, load/store lane, relaxed',
    loops: 2,
    run: (e) => (e.f as Fn)(5),
    source:
      wat(`(module (memory 1) (func (export "f") (param $n i32) (result i32) (local $v v128) (local $i i32)
      (local.set $v (v128.const i32x4 1 2 3 4))
      (loop $l
        (local.set $v (i32x4.add (local.get $v)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $v) (local.get $v))))
        (v128.store offset=16 (i32.const 0) (local.get $v))
        (local.set $v (v128.load32_lane 1 (i32.const 16) (local.get $v)))
        (v128.store64_lane offset=32 1 (i32.const 0) (local.get $v))
        (local.set $v (i32x4.replace_lane 3 (local.get $v) (i32x4.extract_lane 0 (local.get $v))))
        (local.set $v (v128.or (local.get $v) (v128.load64_zero (i32.const 32))))
        (local.set $v (i32x4.add (local.get $v) (v128.load8x8_s offset=1 (i32.const 16))))
        (drop (i32x4.relaxed_trunc_f32x4_s (local.get $v)))
        (drop (i8x16.extract_lane_u 15 (v128.load8_splat (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
      (loop $m)
      (i32x4.extract_lane 2 (local.get $v))))`),
  },
  {
    name: 'bulk memory, reference types, table instructions, typed select',
    loops: 1,
    run: (e) => (e.f as Fn)(2),
    source: wat(`(module (memory 1) (table $t 2 funcref) (table $u 2 funcref)
      (data $d "abcdef") (elem $e func $g)
      (func $g (result i32) (i32.const 11))
      (func (export "f") (param i32) (result i32)
        (memory.init $d (i32.const 0) (i32.const 0) (i32.const 6))
        (memory.copy (i32.const 10) (i32.const 0) (i32.const 6))
        (memory.fill (i32.const 20) (i32.const 7) (i32.const 4))
        (data.drop $d)
        (table.init $u $e (i32.const 0) (i32.const 0) (i32.const 1))
        (table.copy $t $u (i32.const 1) (i32.const 0) (i32.const 1))
        (elem.drop $e)
        (drop (table.grow $t (ref.null func) (i32.const 1)))
        (table.fill $t (i32.const 2) (ref.null func) (i32.const 1))
        (table.set $t (i32.const 0) (table.get $u (i32.const 0)))
        (drop (ref.is_null (ref.func $g)))
        (drop (select (result funcref) (ref.null func) (ref.func $g) (local.get 0)))
        (loop $l)
        (i32.add (i32.add (i32.load8_u (i32.const 12)) (table.size $t))
          (call_indirect $t (result i32) (i32.const 1)))))`),
  },
  {
    name: 'threads: atomic rmw, wait, notify, fence',
    loops: 1,
    run: (e) => (e.f as Fn)(4),
    source: wat(`(module (memory 1 1 shared) (func (export "f") (param i32) (result i32)
      (drop (i32.atomic.rmw.add offset=8 (i32.const 0) (local.get 0)))
      (drop (i64.atomic.rmw32.cmpxchg_u (i32.const 16) (i64.const 0) (i64.const 5)))
      (atomic.fence)
      (drop (memory.atomic.notify (i32.const 8) (i32.const 1)))
      (drop (memory.atomic.wait32 (i32.const 8) (i32.const 99) (i64.const 0)))
      (loop $l)
      (i32.atomic.load offset=8 (i32.const 0))))`),
  },
  {
    name: 'multi-memory (memarg flag bit 6) and memory64 (u64 offsets)',
    loops: 1,
    run: (e) => (e.f as Fn)(9),
    source: wat(`(module (memory $a 1) (memory $b i64 2)
      (func (export "f") (param i32) (result i32)
        (i32.store $b offset=70000 (i64.const 4) (local.get 0))
        (i32.store $a offset=4 (i32.const 0) (i32.load $b offset=70000 (i64.const 4)))
        (memory.copy $a $a (i32.const 100) (i32.const 4) (i32.const 4))
        (drop (memory.size $b))
        (loop $l)
        (i32.load $a offset=100 (i32.const 0))))`),
  },
  {
    name: 'tail calls',
    loops: 2,
    run: (e) => (e.f as Fn)(100_000),
    source:
      wat(`(module (type $t (func (param i32 i32) (result i32))) (table 1 funcref) (elem (i32.const 0) $acc)
      (func $acc (type $t) (loop $l)
        (if (result i32) (i32.eqz (local.get 0)) (then (local.get 1))
          (else (return_call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1))
                  (i32.add (local.get 1) (i32.const 2)) (i32.const 0)))))
      (func (export "f") (param i32) (result i32) (loop $l) (return_call $acc (local.get 0) (i32.const 0))))`),
  },
  {
    name: 'legacy exception handling: try, catch, catch_all, rethrow, delegate; throw_ref',
    loops: 3,
    run: (e) => (e.f as Fn)(6),
    source: wat(`(module (tag $e (param i32))
      (func (export "f") (param i32) (result i32) (local $r i32)
        (try (do (try (do (throw $e (local.get 0))) (catch $e (local.set $r) (rethrow 0))))
          (catch $e (local.set $r (i32.add (i32.const 1))))
          (catch_all))
        (loop $a)
        (try $t (do (try (do (throw $e (i32.const 2))) (delegate $t))) (catch_all (local.set $r (i32.mul (local.get $r) (i32.const 2)))))
        (loop $b)
        block $h2 (result i32)
          try_table (catch $e $h2)
            block $h (result exnref)
              try_table (catch_all_ref $h)
                (throw $e (i32.const 1))
              end
              unreachable
            end
            throw_ref
          end
          unreachable
        end
        (loop $c)
        (i32.add (local.get $r))))`),
  },
];

/*
 * Typed function references and GC, hand-assembled (wabt's text parser lacks them):
 * types 0 (func (result i32)), 1 (func (param i32) (result i32)), rec { 2 struct (mut i32), 3 array i32 }.
 * A wrong count of the rec group would give the hook type index 3, an array: the module would not
 * validate.
 */
export const REFS = moduleBytes(
  section(1, [
    ...uleb(3),
    ...[0x60, 0x00, 0x01, 0x7f],
    ...[0x60, 0x01, 0x7f, 0x01, 0x7f],
    ...[0x4e, 0x02, 0x5f, 0x01, 0x7f, 0x01, 0x5e, 0x7f, 0x01],
  ]),
  section(3, vec([[0], [0], [1], [1]])),
  section(
    7,
    vec([
      [...str('refs'), 0x00, 2],
      [...str('gc'), 0x00, 3],
    ]),
  ),
  section(9, [...uleb(1), 0x03, 0x00, ...vec([[0]])]), // declarative: ref.func 0
  section(10, [
    ...uleb(4),
    ...body([], [0x41, 42]), // f0: i32.const 42
    // f1: tail-calls f0 through call_ref's sibling
    ...body([], [0xd2, 0x00, 0x15, 0x00]), // ref.func 0; return_call_ref 0
    // f2 (param n): block (result (ref 0)) ref.func 0; br_on_non_null 0; unreachable; end; call_ref 0
    //   block; ref.func 0; br_on_null 0; ref.as_non_null; drop; end; loop; end; + n
    ...body(
      [],
      [
        ...[0x02, 0x64, 0x00, 0xd2, 0x00, 0xd6, 0x00, 0x00, 0x0b, 0x14, 0x00],
        ...[0x02, 0x40, 0xd2, 0x00, 0xd5, 0x00, 0xd4, 0x1a, 0x0b],
        ...[0x03, 0x40, 0x0b],
        ...[0x20, 0x00, 0x6a],
        ...[0x10, 0x01, 0x6a],
      ],
    ),
    // f3 (param n): struct.new 2 (n); ref.test (ref 2); drop-ish via add; struct.get 2 0;
    //   array.new_fixed 3 2; array.len; loop; end; sum
    ...body(
      [],
      [
        ...[0x20, 0x00, 0xfb, 0x00, 0x02, 0xfb, 0x02, 0x02, 0x00],
        ...[0x20, 0x00, 0xfb, 0x00, 0x02, 0xfb, 0x14, 0x02, 0x6a],
        ...[0x41, 0x05, 0x41, 0x06, 0xfb, 0x08, 0x03, 0x02, 0xfb, 0x0f, 0x6a],
        ...[0x03, 0x40, 0x0b],
      ],
    ),
  ]),
);

function attachForever(instance: WebAssembly.Instance): void {
  attachInterrupt(
    instance,
    makeInterruptHook(() => 1),
    1,
  );
}

describe('instruction decoder', () => {
  for (const feature of FEATURES) {
    it(`decodes ${feature.name}`, () => {
      const { bytes, instrumented } = instrumentModule(feature.source, { interrupt: true });
      assert.equal(instrumented.loops, feature.loops);
      assert.ok(WebAssembly.validate(bytes));
      const plain = instantiate(feature.source);
      const rewritten = instantiate(bytes);
      attachForever(rewritten);
      assert.deepEqual(feature.run(rewritten.exports), feature.run(plain.exports));
    });
  }

  it('decodes typed function references and GC, counting types in recursion groups', () => {
    assert.ok(WebAssembly.validate(REFS), 'the hand-assembled module is valid to begin with');
    const { bytes, instrumented } = instrumentModule(REFS, { interrupt: true });
    assert.equal(instrumented.loops, 2);
    const plain = instantiate(REFS);
    const rewritten = instantiate(bytes);
    attachForever(rewritten);
    assert.equal((rewritten.exports.refs as Fn)(1), 42 + 1 + 42);
    assert.equal((rewritten.exports.gc as Fn)(7), (plain.exports.gc as Fn)(7));
    assert.equal((rewritten.exports.gc as Fn)(7), 7 + 1 + 2);
  });

  it('names the opcode, byte offset and function of an unknown instruction', () => {
    const withOpcode = (code: number[]) =>
      moduleBytes(
        section(1, vec([[0x60, 0x00, 0x00]])),
        section(2, vec([[...str('env'), ...str('f'), 0x00, 0x00]])),
        section(3, vec([[0], [0]])),
        section(10, [...uleb(2), ...body([], []), ...body([[1, 0x7f]], code)]),
      );
    const bad = withOpcode([0x01, 0x27]);
    const offset = bad.indexOf(0x27, bad.length - 4);
    assert.throws(
      () => instrumentModule(bad, { interrupt: true }),
      (err) =>
        isWasmkubeError(err) &&
        err.code === 'WASM_UNSUPPORTED' &&
        err.message === `unknown opcode 0x27 at byte offset ${offset} in function 2`,
    );
    for (const [code, name] of [
      [[0xfc, 0x63], '0xfc 99'],
      [[0xfd, 0xff, 0x7f], '0xfd 16383'],
      [[0xfe, 0x05], '0xfe 5'],
      [[0xfb, 0x7f], '0xfb 127'],
    ] as const) {
      assert.throws(
        () => instrumentModule(withOpcode([...code]), { interrupt: true }),
        (err) => isWasmkubeError(err) && err.code === 'WASM_UNSUPPORTED' && err.message.includes(name),
      );
    }
  });

  it('rejects a body cut short or with code after its end', () => {
    const cut = moduleBytes(
      section(1, vec([[0x60, 0x00, 0x00]])),
      section(3, vec([[0]])),
      section(10, [...uleb(1), 3, 0x00, 0x41, 0x80]), // i32.const with an unfinished LEB, no end
    );
    assert.throws(
      () => instrumentModule(cut, { interrupt: true }),
      (err) => isWasmkubeError(err) && err.code === 'WASM_INVALID' && /function 0/.test(err.message),
    );
    const trailing = moduleBytes(
      section(1, vec([[0x60, 0x00, 0x00]])),
      section(3, vec([[0]])),
      section(10, [...uleb(1), 3, 0x00, 0x0b, 0x01]),
    );
    assert.throws(
      () => instrumentModule(trailing, { interrupt: true }),
      (err) => isWasmkubeError(err) && err.code === 'WASM_INVALID' && /after the final end/.test(err.message),
    );
  });

  it('rewrites a 10 MB module in well under a second', () => {
    // 20k functions of ~600 bytes, each with two nested loops and a call.
    const code: number[] = [];
    for (let i = 0; i < 120; i++) code.push(0x41, 0xff, 0xff, 0x03, 0x1a); // i32.const 65535; drop
    const fn = body(
      [[1, 0x7f]],
      [0x03, 0x40, 0x02, 0x40, 0x03, 0x40, ...code, 0x0b, 0x0b, 0x0b, 0x10, 0x00, 0x20, 0x00, 0x1a],
    );
    const n = 20_000;
    const bodies = new Uint8Array(n * fn.length);
    for (let i = 0; i < n; i++) bodies.set(fn, i * fn.length);
    const head = moduleBytes(
      section(1, vec([[0x60, 0x00, 0x00]])),
      section(3, [...uleb(n), ...new Array(n).fill(0)]),
    );
    const codeHeader = [0x0a, ...uleb(bodies.length + uleb(n).length), ...uleb(n)];
    const big = new Uint8Array(head.length + codeHeader.length + bodies.length);
    big.set(head);
    big.set(codeHeader, head.length);
    big.set(bodies, head.length + codeHeader.length);
    assert.ok(big.length > 10e6);
    instrumentModule(big.subarray(0, 8), { interrupt: true }); // warm-up of the code paths is not the point
    const start = performance.now();
    const { bytes, instrumented } = instrumentModule(big, { interrupt: true, maxMemoryBytes: 1 << 26 });
    const ms = performance.now() - start;
    assert.equal(instrumented.loops, 2 * n);
    assert.equal(instrumented.functions, n);
    assert.ok(WebAssembly.validate(bytes));
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });
});
