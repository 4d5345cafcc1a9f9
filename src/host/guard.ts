// Stops guests that run past their deadline, synchronously, on the thread that runs them: instrumented
// modules call `check()` every few thousand loop iterations (see src/host/wasm/instrument.ts).

import { WasmkubeError } from '../errors.ts';

/** Loop iterations between two deadline checks: cheap enough, and a check every ~10 µs of guest work. */
export const FUEL = 20_000;

let deadline = Number.POSITIVE_INFINITY;

export class DeadlineExceeded extends WasmkubeError {
  constructor(timeoutMs: number) {
    super('GUEST_DEADLINE', `the guest ran past its ${timeoutMs} ms deadline and was stopped`, {
      fix: 'make the handler faster or raise limits.timeout in wasmkube.yaml',
    });
  }
}

let timeoutForMessage = 0;

/** Called from guest code (through the interrupt table) when its fuel runs out. */
export function check(): number {
  if (performance.now() > deadline) throw new DeadlineExceeded(timeoutForMessage);
  return FUEL;
}

/** Makes `until` the deadline of whatever guest code runs next on this thread. */
export function enterGuest(until: number, timeoutMs: number): void {
  deadline = until;
  timeoutForMessage = timeoutMs;
}

/** The deadline of the guest code running now (performance.now() ms), for host calls that wait. */
export function guestDeadline(): { readonly at: number; readonly timeoutMs: number } {
  return { at: deadline, timeoutMs: timeoutForMessage };
}

export function leaveGuest(): void {
  deadline = Number.POSITIVE_INFINITY;
}
