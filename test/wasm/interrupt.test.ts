import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import {
  FUEL_GLOBAL_EXPORT,
  INTERRUPT_TABLE_EXPORT,
  instrumentModule,
} from '../../src/host/engines/wasm/instrument.ts';
import { attachInterrupt, makeInterruptHook } from '../../src/host/engines/wasm/interrupt.ts';
import { instantiate, wat } from './wat.ts';

type Fn = (...args: number[]) => number;

const SPIN = wat(`(module
  (memory (export "memory") 1)
  (func (export "spin") (loop $forever (br $forever)))
  (func $f (export "rec") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $f (i32.sub (local.get 0) (i32.const 1)))
                     (call $f (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $acc)))`);

function spinInstance() {
  const { bytes, instrumented } = instrumentModule(SPIN, { interrupt: true });
  return { instance: instantiate(bytes), instrumented };
}

describe('interrupting a guest', () => {
  it('stops an infinite loop when check() throws, and the instance keeps working', () => {
    const { instance, instrumented } = spinInstance();
    // Only `rec` calls functions; `spin` and `sum` are bounded by their loop checks.
    assert.deepEqual(instrumented, { memories: 0, loops: 2, functions: 1 });
    let calls = 0;
    let limit = 5;
    const stop = new Error('deadline');
    const hook = makeInterruptHook(() => {
      calls++;
      if (calls >= limit) throw stop;
      return 1000;
    });
    const fuel = attachInterrupt(instance, hook, 1000);
    const spin = instance.exports.spin as Fn;
    assert.throws(
      () => spin(),
      (err) => err === stop,
    );
    assert.equal(calls, 5);

    // The same instance runs again: a new budget, a normal call, then the loop is stopped again.
    calls = 0;
    limit = 3;
    fuel.value = 1000;
    assert.equal((instance.exports.sum as Fn)(100), 4950);
    assert.throws(
      () => spin(),
      (err) => err === stop,
    );
    assert.equal(calls, 3);
  });

  it('stops a loop-free runaway recursion through the function-entry checks', () => {
    const { instance } = spinInstance();
    let calls = 0;
    const hook = makeInterruptHook(() => {
      if (++calls === 10) throw new Error('too long');
      return 10_000;
    });
    attachInterrupt(instance, hook, 10_000);
    const rec = instance.exports.rec as Fn;
    assert.equal(rec(20), 6765); // ~22k calls: a few refills, under the limit
    calls = 0;
    assert.throws(() => rec(40), /too long/);
  });

  it('traps when check() returns 0, and the host can resume after', () => {
    const { instance } = spinInstance();
    let stop = true;
    const fuel = attachInterrupt(
      instance,
      makeInterruptHook(() => (stop ? 0 : 500)),
      500,
    );
    assert.throws(
      () => (instance.exports.spin as Fn)(),
      (err) => err instanceof WebAssembly.RuntimeError,
    );
    stop = false;
    fuel.value = 500;
    assert.equal((instance.exports.sum as Fn)(10_000), 49_995_000);
  });

  it('refills fuel from check() so long work finishes', () => {
    const { instance } = spinInstance();
    let calls = 0;
    attachInterrupt(
      instance,
      makeInterruptHook(() => {
        calls++;
        return 100;
      }),
      100,
    );
    assert.equal((instance.exports.sum as Fn)(10_000), 49_995_000);
    // 10_001 loop heads + 1 entry, one refill per 100 (the first from the initial fuel).
    assert.equal(calls, 100);
  });

  it('stops a guest that catches every exception, whether check() throws or traps', () => {
    const source = wat(`(module
      (func (export "stubborn") (result i32) (local $caught i32)
        (loop $again
          (try (do (loop $forever (br $forever)))
               (catch_all (local.set $caught (i32.add (local.get $caught) (i32.const 1)))))
          (br $again))
        (local.get $caught)))`);
    const { bytes } = instrumentModule(source, { interrupt: true });
    const throwing = instantiate(bytes);
    let calls = 0;
    attachInterrupt(
      throwing,
      makeInterruptHook(() => {
        calls++;
        throw new Error('stop');
      }),
      100,
    );
    // The guest catches the error once, but fuel stays empty (the refill never happened), so the
    // next check, at the outer loop head outside its handler, throws again and the error escapes.
    assert.throws(() => (throwing.exports.stubborn as Fn)(), /stop/);
    assert.equal(calls, 2);

    const trapping = instantiate(bytes);
    calls = 0;
    attachInterrupt(
      trapping,
      makeInterruptHook(() => {
        calls++;
        return 0;
      }),
      100,
    );
    assert.throws(
      () => (trapping.exports.stubborn as Fn)(),
      (err) => err instanceof WebAssembly.RuntimeError,
    );
    assert.equal(calls, 1);
  });

  it('runs a start function before the hook is attached', () => {
    const source = wat(`(module (global $g (mut i32) (i32.const 0))
      (func $init (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_s (local.get $i) (i32.const 1000)))) (global.set $g (local.get $i)))
      (start $init)
      (func (export "g") (result i32) (global.get $g)))`);
    const instance = instantiate(instrumentModule(source, { interrupt: true }).bytes);
    assert.equal((instance.exports.g as Fn)(), 1000);
  });

  it('traps instead of running unbounded when no hook was attached and fuel ran out', () => {
    const instance = spinInstance().instance;
    (instance.exports[FUEL_GLOBAL_EXPORT] as WebAssembly.Global).value = 10;
    assert.throws(
      () => (instance.exports.spin as Fn)(),
      (err) => err instanceof WebAssembly.RuntimeError,
    );
  });

  it('exports a one-slot interrupt table', () => {
    const { instance } = spinInstance();
    const table = instance.exports[INTERRUPT_TABLE_EXPORT] as WebAssembly.Table;
    assert.equal(table.length, 1);
    assert.throws(() => table.grow(1), RangeError);
  });

  it('attachInterrupt refuses an instance that was not instrumented', () => {
    const plain = instantiate(SPIN);
    assert.throws(
      () =>
        attachInterrupt(
          plain,
          makeInterruptHook(() => 1),
        ),
      (err) =>
        isWasmkubeError(err) && err.code === 'WASM_INSTRUMENT' && /instrumentModule/.test(err.fix ?? ''),
    );
  });
});
