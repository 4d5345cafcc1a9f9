// Regression (found by test/fuzz/wasm.test.ts): a 20-byte module whose global section claimed 45
// million entries made the instrumenter build one state export per claimed global until the heap ran
// out; a count larger than its section's bytes is now WASM_INVALID at once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { instrumentModule } from '../../src/host/engines/wasm/instrument.ts';

test('a section whose entry count exceeds its size is refused before anything is built from it', () => {
  const bytes = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 6, 10, 136, 200, 187, 21, 172, 164, 22, 228, 119, 148,
  ]);
  for (const opts of [{ exportState: true, interrupt: true }, { exportState: true }, { interrupt: true }]) {
    assert.throws(
      () => instrumentModule(bytes, opts),
      (err: unknown) =>
        isWasmkubeError(err) &&
        err.code === 'WASM_INVALID' &&
        /global section claims \d+ entries in 6 bytes/.test(err.message),
    );
  }
});
