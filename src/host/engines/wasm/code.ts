// Decoder for WebAssembly function bodies: walks every instruction, knowing the immediates of each
// opcode, so the instrumenter can find loop heads and function entries without a full parser.

import { WasmkubeError } from '../../../errors.ts';

/*
 * Immediate classes of the one-byte opcodes. A table lookup keeps the hot loop a single dense switch
 * over a dozen cases instead of one over 256 opcodes.
 */
// Class 0 (the table default) marks opcodes that do not exist.
const NONE = 1;
const LEB1 = 2;
const MEMARG = 4;
const BLOCK = 5;
const LOOP = 6;
const END = 7;
const DELEGATE = 8;
const BR_TABLE = 9;
const SELECT_T = 10;
const TRY_TABLE = 11;
const F32 = 12;
const F64 = 13;
const PREFIX_GC = 14;
const PREFIX_MISC = 15;
const PREFIX_SIMD = 16;
const PREFIX_ATOMIC = 17;
const CALL1 = 18;
const CALL2 = 19;

const CLASS = new Uint8Array(256);
function set(cls: number, ...ops: number[]): void {
  for (const op of ops) CLASS[op] = cls;
}
function range(cls: number, from: number, to: number): void {
  for (let op = from; op <= to; op++) CLASS[op] = cls;
}
// unreachable nop else throw_ref return catch_all drop select
set(NONE, 0x00, 0x01, 0x05, 0x0a, 0x0f, 0x19, 0x1a, 0x1b);
// numeric (MVP 0x45-0xbf, sign extension 0xc0-0xc4)
range(NONE, 0x45, 0xc4);
// ref.is_null ref.eq ref.as_non_null
set(NONE, 0xd1, 0xd3, 0xd4);
// block if try
set(BLOCK, 0x02, 0x04, 0x06);
set(LOOP, 0x03);
set(END, 0x0b);
set(DELEGATE, 0x18);
// catch throw rethrow br br_if
set(LEB1, 0x07, 0x08, 0x09, 0x0c, 0x0d);
// call return_call call_ref return_call_ref
set(CALL1, 0x10, 0x12, 0x14, 0x15);
// local.get/set/tee global.get/set table.get/set
range(LEB1, 0x20, 0x26);
// memory.size memory.grow (memory index) i32.const i64.const
set(LEB1, 0x3f, 0x40, 0x41, 0x42);
// ref.null (heap type, s33) ref.func br_on_null br_on_non_null
set(LEB1, 0xd0, 0xd2, 0xd5, 0xd6);
// call_indirect return_call_indirect: type index, table index
set(CALL2, 0x11, 0x13);
set(BR_TABLE, 0x0e);
set(SELECT_T, 0x1c);
set(TRY_TABLE, 0x1f);
range(MEMARG, 0x28, 0x3e);
set(F32, 0x43);
set(F64, 0x44);
set(PREFIX_GC, 0xfb);
set(PREFIX_MISC, 0xfc);
set(PREFIX_SIMD, 0xfd);
set(PREFIX_ATOMIC, 0xfe);

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function unsupported(opcode: string, offset: number, funcIndex: number): WasmkubeError {
  return new WasmkubeError(
    'WASM_UNSUPPORTED',
    `unknown opcode ${opcode} at byte offset ${offset} in function ${funcIndex}`,
    {
      fix:
        'the module uses an instruction this host cannot instrument (a newer proposal?): build it ' +
        'without that feature, or turn off limits.timeout for the service',
    },
  );
}

function malformed(what: string, offset: number, funcIndex: number): WasmkubeError {
  return new WasmkubeError('WASM_INVALID', `${what} at byte offset ${offset} in function ${funcIndex}`, {
    fix: 'the module is corrupt: rebuild it',
  });
}

/** Offset just past the LEB128 starting at `p`. Reading past the array yields 0 and stops the loop. */
function leb(b: Uint8Array, p: number): number {
  while (b[p++] & 0x80) {
    // continuation bit set: keep going
  }
  return p;
}

/** Reads an unsigned LEB128 (u32) at `p`; the caller advances with `leb()`. */
function u32At(b: Uint8Array, p: number): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = b[p++];
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0 || shift >= 28) return result >>> 0;
    shift += 7;
  }
}

/** A value type: one byte, or 0x63/0x64 (ref null / ref) followed by an s33 heap type. */
function valtype(b: Uint8Array, p: number): number {
  const t = b[p];
  return t === 0x63 || t === 0x64 ? leb(b, p + 1) : p + 1;
}

/** A block type: 0x40, a value type, or a non-negative s33 type index (multi-value). */
function blocktype(b: Uint8Array, p: number): number {
  const t = b[p];
  return t === 0x63 || t === 0x64 ? leb(b, p + 1) : leb(b, p);
}

function memarg(b: Uint8Array, p: number): number {
  // Bit 6 of the alignment flag says a memory index follows (multi-memory); the offset is a u64 LEB
  // for memory64 and a u32 otherwise, which skipping does not need to tell apart.
  const align = b[p];
  let q = leb(b, p);
  if (align & 0x40) q = leb(b, q);
  return leb(b, q);
}

/** Where a function body's instructions start: past the size-prefixed locals vector. */
export function skipLocals(b: Uint8Array, p: number, end: number, funcIndex: number): number {
  const count = u32At(b, p);
  let q = leb(b, p);
  for (let i = 0; i < count; i++) {
    q = leb(b, q);
    q = valtype(b, q);
    if (q > end) throw malformed('truncated locals', p, funcIndex);
  }
  return q;
}

/**
 * Decodes the instructions in `[p, end)` of function `funcIndex`, pushing onto `loops` the offset
 * just past each `loop`'s block type (the head of the loop body). Checks that the last `end` closes
 * the body exactly at `end`. Returns whether the body calls any function (directly, indirectly, by
 * reference or as a tail call).
 */
export function scanInstructions(
  b: Uint8Array,
  start: number,
  end: number,
  funcIndex: number,
  loops: number[],
): boolean {
  let p = start;
  let depth = 1;
  let calls = false;
  while (p < end) {
    const at = p;
    const op = b[p++];
    switch (CLASS[op]) {
      case NONE:
        break;
      case LEB1:
        p = leb(b, p);
        break;
      case CALL1:
        calls = true;
        p = leb(b, p);
        break;
      case CALL2:
        calls = true;
        p = leb(b, leb(b, p));
        break;
      case MEMARG:
        p = memarg(b, p);
        break;
      case BLOCK:
        p = blocktype(b, p);
        depth++;
        break;
      case LOOP:
        p = blocktype(b, p);
        depth++;
        loops.push(p);
        break;
      case END:
        if (--depth === 0) {
          if (p !== end) throw malformed('code after the final end of the body', p, funcIndex);
          return calls;
        }
        break;
      case DELEGATE:
        p = leb(b, p);
        depth--;
        break;
      case BR_TABLE: {
        const n = u32At(b, p);
        p = leb(b, p);
        for (let i = 0; i <= n && p < end; i++) p = leb(b, p);
        break;
      }
      case SELECT_T: {
        const n = u32At(b, p);
        p = leb(b, p);
        for (let i = 0; i < n && p < end; i++) p = valtype(b, p);
        break;
      }
      case TRY_TABLE: {
        p = blocktype(b, p);
        const n = u32At(b, p);
        p = leb(b, p);
        for (let i = 0; i < n && p < end; i++) {
          const kind = b[p++];
          if (kind <= 1) p = leb(b, leb(b, p));
          else if (kind <= 3) p = leb(b, p);
          else throw malformed(`unknown try_table catch kind ${hex(kind)}`, p - 1, funcIndex);
        }
        depth++;
        break;
      }
      case F32:
        p += 4;
        break;
      case F64:
        p += 8;
        break;
      case PREFIX_GC:
        p = gcImmediates(b, p, at, funcIndex);
        break;
      case PREFIX_MISC:
        p = miscImmediates(b, p, at, funcIndex);
        break;
      case PREFIX_SIMD:
        p = simdImmediates(b, p, at, funcIndex);
        break;
      case PREFIX_ATOMIC:
        p = atomicImmediates(b, p, at, funcIndex);
        break;
      default:
        throw unsupported(hex(op), at, funcIndex);
    }
  }
  throw malformed(
    p > end ? 'instruction runs past the end of the body' : 'body has no final end',
    p,
    funcIndex,
  );
}

function gcImmediates(b: Uint8Array, p: number, at: number, funcIndex: number): number {
  const sub = u32At(b, p);
  const q = leb(b, p);
  switch (sub) {
    case 15: // array.len
    case 26: // any.convert_extern
    case 27: // extern.convert_any
    case 28: // ref.i31
    case 29: // i31.get_s
    case 30: // i31.get_u
      return q;
    case 0: // struct.new
    case 1: // struct.new_default
    case 6: // array.new
    case 7: // array.new_default
    case 11: // array.get
    case 12: // array.get_s
    case 13: // array.get_u
    case 14: // array.set
    case 16: // array.fill
    case 20: // ref.test
    case 21: // ref.test null
    case 22: // ref.cast
    case 23: // ref.cast null
      return leb(b, q);
    case 2: // struct.get
    case 3: // struct.get_s
    case 4: // struct.get_u
    case 5: // struct.set
    case 8: // array.new_fixed
    case 9: // array.new_data
    case 10: // array.new_elem
    case 17: // array.copy
    case 18: // array.init_data
    case 19: // array.init_elem
      return leb(b, leb(b, q));
    case 24: // br_on_cast: flags byte, label, two heap types
    case 25: // br_on_cast_fail
      return leb(b, leb(b, leb(b, q + 1)));
    default:
      throw unsupported(`0xfb ${sub}`, at, funcIndex);
  }
}

function miscImmediates(b: Uint8Array, p: number, at: number, funcIndex: number): number {
  const sub = u32At(b, p);
  const q = leb(b, p);
  if (sub <= 7) return q; // non-trapping float-to-int
  switch (sub) {
    case 8: // memory.init data memory
    case 10: // memory.copy dst src
    case 12: // table.init elem table
    case 14: // table.copy dst src
      return leb(b, leb(b, q));
    case 9: // data.drop
    case 11: // memory.fill
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      return leb(b, q);
    default:
      throw unsupported(`0xfc ${sub}`, at, funcIndex);
  }
}

function simdImmediates(b: Uint8Array, p: number, at: number, funcIndex: number): number {
  const sub = u32At(b, p);
  const q = leb(b, p);
  if (sub <= 11) return memarg(b, q); // v128.load*, v128.store
  if (sub === 12 || sub === 13) return q + 16; // v128.const, i8x16.shuffle
  if (sub <= 20) return q; // swizzle, splats
  if (sub <= 34) return q + 1; // extract_lane / replace_lane
  if (sub <= 83) return q; // comparisons, bitwise, any_true
  if (sub <= 91) return memarg(b, q) + 1; // v128.load*_lane / store*_lane
  if (sub <= 93) return memarg(b, q); // v128.load32_zero / load64_zero
  if (sub <= 0x113) return q; // arithmetic, conversions, relaxed SIMD (0x100-0x113)
  throw unsupported(`0xfd ${sub}`, at, funcIndex);
}

function atomicImmediates(b: Uint8Array, p: number, at: number, funcIndex: number): number {
  const sub = u32At(b, p);
  const q = leb(b, p);
  if (sub <= 2) return memarg(b, q); // memory.atomic.notify / wait32 / wait64
  if (sub === 3) return q + 1; // atomic.fence has a reserved 0x00 byte
  if (sub >= 0x10 && sub <= 0x4e) return memarg(b, q); // atomic loads, stores, rmw, cmpxchg
  throw unsupported(`0xfe ${sub}`, at, funcIndex);
}
