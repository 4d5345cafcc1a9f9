// Reads the names a component imports and exports (`wasi:http/types@0.2.0`, …) from its top-level
// sections, for the Wasm artifact's config; nodes and registries show them without running the guest.

const IMPORT_SECTION = 10;
const EXPORT_SECTION = 11;

export interface ComponentWorld {
  readonly imports: readonly string[];
  readonly exports: readonly string[];
}

class Cursor {
  readonly b: Uint8Array;
  pos: number;
  constructor(b: Uint8Array, pos: number) {
    this.b = b;
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.b.byteLength) throw new Error('truncated');
    return this.b[this.pos++]!;
  }
  leb(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result;
    }
  }
  name(): string {
    const len = this.leb();
    const s = Buffer.from(this.b.subarray(this.pos, this.pos + len)).toString('utf8');
    this.pos += len;
    return s;
  }
  /** `importname'`/`exportname'`: 0x00 name, or 0x01 name plus a version suffix (older encoders). */
  externName(): string {
    const tag = this.byte();
    const n = this.name();
    if (tag === 0x01) this.name();
    return n;
  }
  externDesc(): void {
    const kind = this.byte();
    if (kind === 0x00) {
      this.byte();
      this.leb();
    } else if (kind === 0x02) {
      this.byte();
      this.leb();
    } else if (kind === 0x03) {
      if (this.byte() === 0x00) this.leb();
    } else this.leb();
  }
}

/** The component's imports and exports, sorted; undefined when the binary uses an encoding not read here. */
export function componentWorld(bytes: Uint8Array): ComponentWorld | undefined {
  try {
    const imports: string[] = [];
    const exports: string[] = [];
    const c = new Cursor(bytes, 8);
    while (c.pos < bytes.byteLength) {
      const id = c.byte();
      const size = c.leb();
      const end = c.pos + size;
      if (id === IMPORT_SECTION) {
        for (let n = c.leb(); n > 0; n--) {
          imports.push(c.externName());
          c.externDesc();
        }
      } else if (id === EXPORT_SECTION) {
        for (let n = c.leb(); n > 0; n--) {
          exports.push(c.externName());
          if (c.byte() === 0x00) c.byte();
          c.leb();
          if (c.byte() === 0x01) c.externDesc();
        }
      }
      c.pos = end;
    }
    return { imports: [...new Set(imports)].sort(), exports: [...new Set(exports)].sort() };
  } catch {
    return undefined;
  }
}
