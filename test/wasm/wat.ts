// Test helper: builds real wasm binaries from WAT with wabt, and by hand for the instructions wabt's
// text parser does not know (call_ref with a type index, GC), so tests run against real modules.

import wabtInit from 'wabt';

const wabt = await wabtInit();

const ALL_FEATURES = {
  exceptions: true,
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  simd: true,
  threads: true,
  multi_value: true,
  tail_call: true,
  bulk_memory: true,
  reference_types: true,
  memory64: true,
  relaxed_simd: true,
  extended_const: true,
  multi_memory: true,
};

/** Compiles WAT text to a binary with every wabt feature on. */
export function wat(source: string): Uint8Array<ArrayBuffer> {
  const mod = wabt.parseWat('test.wat', source, ALL_FEATURES);
  try {
    return Uint8Array.from(mod.toBinary({ write_debug_names: true }).buffer);
  } finally {
    mod.destroy();
  }
}

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** A vector: count followed by the items' bytes. */
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function str(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

export function moduleBytes(...sections: number[][]): Uint8Array<ArrayBuffer> {
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}

/** A code-section entry from a locals vector and instruction bytes (the final `end` is added). */
export function body(locals: number[][], code: number[]): number[] {
  const bytes = [...vec(locals), ...code, 0x0b];
  return [...uleb(bytes.length), ...bytes];
}

export function instantiate(
  bytes: Uint8Array<ArrayBuffer>,
  imports: WebAssembly.Imports = {},
): WebAssembly.Instance {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
}
