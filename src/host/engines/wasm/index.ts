// Public surface of the wasm binary tools: kind detection, the instrumenting rewriter for per-guest
// limits, and the helpers that connect an instrumented guest to the host's interrupt check.

export type { InstrumentOptions, InstrumentResult } from './instrument.ts';
export { FUEL_GLOBAL_EXPORT, INTERRUPT_TABLE_EXPORT, instrumentModule, START_FUEL } from './instrument.ts';
export type { InterruptHook } from './interrupt.ts';
export { attachInterrupt, DEFAULT_FUEL, makeInterruptHook } from './interrupt.ts';
export type { ModuleExport, ModuleImport, WasmKind } from './kind.ts';
export { COMPONENT_VERSION, detectWasmKind, isWagiCommand } from './kind.ts';
