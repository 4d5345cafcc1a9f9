// Connects an instrumented guest to the host's interrupt check: wraps a JS function as a wasm
// function (only those fit in a funcref table), optionally one that can suspend the guest (JSPI), and
// plugs it into the guest's interrupt table.

import { WasmkubeError } from '../../../errors.ts';
import { FUEL_GLOBAL_EXPORT, INTERRUPT_TABLE_EXPORT } from './instrument.ts';

/** Loop heads and calls between two `check()` calls, a cost of about one call per 10k iterations. */
export const DEFAULT_FUEL = 10_000;

/**
 * A wasm exported function of type `(func (result i32))`, as `makeInterruptHook` returns. It is
 * opaque on purpose: only functions made there can be stored in the interrupt table.
 */
export type InterruptHook = (() => number) & { readonly __wasmkubeInterruptHook: true };

/*
 * (module
 *   (type (func (result i32)))
 *   (import "h" "check" (func $check (type 0)))
 *   (func (export "check") (type 0) call $check))
 * A re-exported import would be the JS function itself on some engines; a wasm body calling it is
 * a real wasm function everywhere.
 */
const HOOK_MODULE = Uint8Array.of(
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f],
  ...[0x02, 0x0b, 0x01, 0x01, 0x68, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x00],
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x07, 0x09, 0x01, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x01],
  ...[0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b],
);

let hookModule: WebAssembly.Module | undefined;

/*
 * (module
 *   (type (func (result i32)))
 *   (import "h" "yield" (func $yield (type 0)))   ;; a WebAssembly.Suspending
 *   (import "h" "sync" (func $sync (type 0)))
 *   (func (export "check") (type 0)
 *     try (result i32) call $yield catch_all call $sync end))
 * JSPI can only suspend wasm frames: below a JS frame (the glue calling the guest's allocator while
 * it lowers a host call's result) the suspension throws, and `sync` answers instead. Whatever `yield`
 * throws (a deadline, a stop) lands in `sync` too, which must then throw again on its own.
 */
const YIELDING_HOOK_MODULE = Uint8Array.of(
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f],
  ...[0x02, 0x14, 0x02, 0x01, 0x68, 0x05, 0x79, 0x69, 0x65, 0x6c, 0x64, 0x00, 0x00],
  ...[0x01, 0x68, 0x04, 0x73, 0x79, 0x6e, 0x63, 0x00, 0x00],
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x07, 0x09, 0x01, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x02],
  ...[0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x06, 0x7f, 0x10, 0x00, 0x19, 0x10, 0x01, 0x0b, 0x0b],
);

let yieldingModule: WebAssembly.Module | undefined;

/** JSPI, typed: Node 24 has it on; TypeScript's lib does not describe it yet. */
const JSPI = WebAssembly as unknown as {
  readonly Suspending?: new (fn: (...args: never[]) => unknown) => object;
  readonly promising?: <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => Promise<R>;
};

/**
 * Calls a wasm export so that it may suspend (JSPI `WebAssembly.promising`): the guest's yields and
 * blocking host calls then wait without blocking the thread.
 */
export function promising<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<R> {
  if (!JSPI.promising) {
    throw new WasmkubeError('INTERNAL', 'this Node.js has no JSPI (WebAssembly.promising)', {
      fix: 'run wasmkube with Node.js 24 or later (bin/wasmkube.js picks the pinned one)',
    });
  }
  return JSPI.promising(fn);
}

/**
 * Like `makeInterruptHook`, but `check` may also return a promise of the fuel: the guest then suspends
 * until it settles (it must have been called through `promising`). Where it cannot suspend, or when
 * `check` throws or its promise rejects, `sync` is called instead and decides: fuel, or a throw.
 */
export function makeYieldingHook(check: () => number | Promise<number>, sync: () => number): InterruptHook {
  if (!JSPI.Suspending) promising(() => 0);
  yieldingModule ??= new WebAssembly.Module(YIELDING_HOOK_MODULE);
  const instance = new WebAssembly.Instance(yieldingModule, {
    h: { yield: new JSPI.Suspending!(check), sync },
  } as WebAssembly.Imports);
  return instance.exports.check as InterruptHook;
}

/**
 * Wraps `check` for an instrumented guest. The guest calls it each time its fuel runs out:
 * - return a positive number: the guest goes on with that much fuel;
 * - return 0 or less: the guest traps (`RuntimeError: unreachable`), which no guest handler catches;
 * - throw: the error unwinds through the guest to whoever called into it. A guest built with wasm
 *   exception handling can catch it with `catch_all`, but its fuel stays empty, so the next loop head
 *   or call throws again: it can only finish the handler it is in, never loop.
 */
export function makeInterruptHook(check: () => number): InterruptHook {
  hookModule ??= new WebAssembly.Module(HOOK_MODULE);
  const instance = new WebAssembly.Instance(hookModule, { h: { check } });
  return instance.exports.check as InterruptHook;
}

/**
 * Plugs `hook` into an instance made from an `instrumentModule({ interrupt: true })` module and gives
 * it `fuel`. Returns the fuel global, which the host may refill (or empty) between calls.
 */
export function attachInterrupt(
  instance: WebAssembly.Instance,
  hook: InterruptHook,
  fuel: number = DEFAULT_FUEL,
): WebAssembly.Global {
  const table = instance.exports[INTERRUPT_TABLE_EXPORT];
  const global = instance.exports[FUEL_GLOBAL_EXPORT];
  if (!(table instanceof WebAssembly.Table) || !(global instanceof WebAssembly.Global)) {
    throw new WasmkubeError(
      'WASM_INSTRUMENT',
      `instance does not export ${INTERRUPT_TABLE_EXPORT} and ${FUEL_GLOBAL_EXPORT}`,
      {
        fix: 'instantiate the module returned by instrumentModule(bytes, { interrupt: true })',
      },
    );
  }
  table.set(0, hook);
  global.value = fuel;
  return global;
}
