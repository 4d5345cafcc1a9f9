// Low-level reading and writing of the WebAssembly binary format: LEB128, the module header and
// the section list. Everything above (kind detection, instrumentation) is built on these helpers.

import { WasmkubeError } from '../../../errors.ts';

/** `\0asm` */
export const WASM_MAGIC = 0x6d736100;
export const MODULE_VERSION = 1;
/** Component model binaries use version 0x0d and layer 1 (core modules are layer 0). */
export const COMPONENT_LAYER = 1;

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/**
 * Position of each known section id in the order the spec requires; custom sections may appear
 * anywhere. The tag section sits between memory and global.
 */
export const SECTION_ORDER: Readonly<Record<number, number>> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

export interface Section {
  readonly id: number;
  /** Offset of the id byte. */
  readonly start: number;
  /** Offset of the first payload byte. */
  readonly payloadStart: number;
  /** Offset just past the payload. */
  readonly end: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

function truncated(what: string, offset: number): WasmkubeError {
  return new WasmkubeError('WASM_INVALID', `truncated ${what} at offset ${offset}`, {
    fix: 'the file is cut short or corrupt: rebuild it or download it again',
  });
}

/**
 * A cursor over a byte array. Reads past `limit` throw WASM_INVALID naming what was read, so callers
 * never see a half-decoded value.
 */
export class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  limit: number;
  /** Used in error messages: "truncated <context> at offset N". */
  context: string;

  constructor(bytes: Uint8Array, pos = 0, limit = bytes.length, context = 'module') {
    this.bytes = bytes;
    this.pos = pos;
    this.limit = limit;
    this.context = context;
  }

  get done(): boolean {
    return this.pos >= this.limit;
  }

  byte(): number {
    if (this.pos >= this.limit) throw truncated(this.context, this.pos);
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128 up to 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    const start = this.pos;
    for (;;) {
      const b = this.byte();
      if (shift === 28 && b > 0x0f) throw invalidLeb(this.context, start);
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  /** Unsigned LEB128 up to 64 bits, as a number: exact below 2^53, which covers every page count. */
  u64(): number {
    let result = 0;
    let mul = 1;
    const start = this.pos;
    for (let i = 0; ; i++) {
      if (i === 10) throw invalidLeb(this.context, start);
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  /** Skips one LEB128 of any width (u32, s33, s64...). */
  skipLeb(): void {
    const start = this.pos;
    for (let i = 0; ; i++) {
      if (i === 10) throw invalidLeb(this.context, start);
      if ((this.byte() & 0x80) === 0) return;
    }
  }

  bytesN(n: number): Uint8Array {
    if (this.pos + n > this.limit) throw truncated(this.context, this.pos);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    const len = this.u32();
    return UTF8.decode(this.bytesN(len));
  }
}

function invalidLeb(context: string, offset: number): WasmkubeError {
  return new WasmkubeError('WASM_INVALID', `malformed LEB128 integer in ${context} at offset ${offset}`, {
    fix: 'the file is corrupt: rebuild it',
  });
}

/** A growable byte buffer with LEB128 writers. */
export class Writer {
  buf: Uint8Array<ArrayBuffer>;
  len = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): this {
    this.ensure(1);
    this.buf[this.len++] = b;
    return this;
  }

  bytes(src: Uint8Array): this {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
    return this;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  uleb(value: number): this {
    this.ensure(10);
    let v = value;
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer. */
  sleb(value: number): this {
    this.ensure(5);
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.buf[this.len++] = b;
        return this;
      }
      this.buf[this.len++] = b | 0x80;
    }
  }

  name(s: string): this {
    const encoded = new TextEncoder().encode(s);
    return this.uleb(encoded.length).bytes(encoded);
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.len);
  }
}

export function ulebSize(value: number): number {
  let n = 1;
  let v = value;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export interface Header {
  readonly version: number;
  readonly layer: number;
}

/** Reads and checks the 8-byte preamble shared by core modules and components. */
export function readHeader(bytes: Uint8Array): Header {
  if (bytes.length < 8) {
    const looksWasm = bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61;
    throw new WasmkubeError(
      'WASM_INVALID',
      looksWasm
        ? `truncated header: ${bytes.length} bytes, a wasm binary starts with 8`
        : `not a WebAssembly binary: ${bytes.length} bytes, too short for the 8-byte header`,
      { fix: 'point the service at a .wasm file built for wasm32-wasip1 or a wasi:http component' },
    );
  }
  const magic = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  if (magic !== WASM_MAGIC) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new WasmkubeError(
      'WASM_INVALID',
      `not a WebAssembly binary: bad magic ${hex}, expected 00 61 73 6d`,
      {
        fix: 'point the service at a .wasm file (text .wat files must be compiled first)',
      },
    );
  }
  return { version: bytes[4] | (bytes[5] << 8), layer: bytes[6] | (bytes[7] << 8) };
}

/**
 * Splits a binary into its sections, checking every size against the file length. `ordered` also
 * enforces the spec's section order for core modules (components interleave freely).
 */
export function readSections(bytes: Uint8Array, maxId: number, ordered: boolean): Section[] {
  const sections: Section[] = [];
  const r = new Reader(bytes, 8, bytes.length, 'section header');
  let lastOrder = 0;
  let index = 0;
  while (!r.done) {
    const start = r.pos;
    const id = r.byte();
    r.context = `section ${index} (id ${id}) header`;
    const size = r.u32();
    const payloadStart = r.pos;
    const end = payloadStart + size;
    if (id > maxId) {
      throw new WasmkubeError(
        'WASM_INVALID',
        `unknown section id ${id} (section ${index}) at offset ${start}`,
        {
          fix: 'the file is corrupt or uses a format this host does not know: rebuild it',
        },
      );
    }
    if (end > bytes.length) {
      throw new WasmkubeError(
        'WASM_INVALID',
        `truncated section ${index} (id ${id}) at offset ${start}: declares ${size} bytes, ` +
          `${bytes.length - payloadStart} remain`,
        { fix: 'the file is cut short: rebuild it or download it again' },
      );
    }
    if (ordered && id !== SECTION.custom) {
      const order = SECTION_ORDER[id];
      if (order <= lastOrder) {
        throw new WasmkubeError(
          'WASM_INVALID',
          `section ${index} (id ${id}) at offset ${start} is out of order or duplicated`,
          { fix: 'the file is corrupt: rebuild it' },
        );
      }
      lastOrder = order;
    }
    sections.push({ id, start, payloadStart, end });
    r.pos = end;
    index++;
  }
  return sections;
}

/** Reads the name of a custom section (its payload starts with a name). */
export function customSectionName(bytes: Uint8Array, section: Section): string {
  const r = new Reader(bytes, section.payloadStart, section.end, 'custom section name');
  return r.name();
}
