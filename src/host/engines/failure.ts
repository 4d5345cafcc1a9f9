// Turns whatever a guest threw into one WasmkubeError with the kind the host reports (trap, deadline,
// memory), so engines classify failures the same way.

import { isWasmkubeError, WasmkubeError } from '../../errors.ts';
import type { GuestErrorKind } from '../core/engine.ts';

export function guestFailure(err: unknown, service: string, memoryAtCap: boolean): WasmkubeError {
  if (isWasmkubeError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (memoryAtCap || /out of memory|memory access out of bounds.*grow|Cannot allocate/i.test(message)) {
    if (memoryAtCap) {
      return new WasmkubeError('GUEST_MEMORY', `service '${service}' ran out of its wasm memory limit`, {
        cause: err,
        fix: 'raise limits.memory for the service in wasmkube.yaml, or use less memory per request',
      });
    }
  }
  return new WasmkubeError('GUEST_TRAP', `service '${service}' trapped: ${message}`, {
    cause: err,
    fix: 'see the guest logs for this request id; this is a bug in the guest',
  });
}

/** Whether a failed guest was near its memory cap: a failed grow is the likely cause of its trap. */
export function nearMemoryCap(memories: readonly WebAssembly.Memory[], capBytes: number): boolean {
  const slack = Math.max(1 << 20, capBytes / 8);
  return memories.some((m) => m.buffer.byteLength + slack > capBytes);
}

export function failureKind(err: WasmkubeError): GuestErrorKind {
  switch (err.code) {
    case 'GUEST_DEADLINE':
      return 'deadline';
    case 'GUEST_MEMORY':
      return 'memory';
    case 'BODY_TOO_LARGE':
      return 'body_limit';
    case 'GUEST_TRAP':
      return 'trap';
    default:
      return 'invalid_response';
  }
}
