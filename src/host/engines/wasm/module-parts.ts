// Decoders for the parts of a core module's sections that kind detection and instrumentation read:
// types (to count them), imports, exports and memory/table limits.

import { WasmkubeError } from '../../../errors.ts';
import type { Reader } from './binary.ts';

export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';
const EXTERN_KINDS: readonly ExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];

export interface ImportEntry {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternKind;
}

export interface ExportEntry {
  readonly name: string;
  readonly kind: ExternKind;
  readonly index: number;
}

/** Limits of a memory or table, with where their encoding sits so it can be replaced in place. */
export interface Limits {
  readonly flags: number;
  readonly min: number;
  readonly max: number | undefined;
  /** log2 of the page size (custom-page-sizes proposal); 16 unless flag bit 3 is set. */
  readonly pageSizeLog2: number;
  readonly start: number;
  readonly end: number;
}

export const LIMITS_HAS_MAX = 0x01;
export const LIMITS_SHARED = 0x02;
export const LIMITS_64 = 0x04;
export const LIMITS_PAGE_SIZE = 0x08;

function invalid(message: string): WasmkubeError {
  return new WasmkubeError('WASM_INVALID', message, { fix: 'the module is corrupt: rebuild it' });
}

function kindOf(byte: number, r: Reader): ExternKind {
  const kind = EXTERN_KINDS[byte];
  if (kind === undefined)
    throw invalid(`unknown extern kind 0x${byte.toString(16)} in ${r.context} at offset ${r.pos - 1}`);
  return kind;
}

export function readLimits(r: Reader): Limits {
  const start = r.pos;
  const flags = r.byte();
  if (flags > 0x0f)
    throw invalid(`unknown limits flags 0x${flags.toString(16)} in ${r.context} at offset ${start}`);
  const min = r.u64();
  const max = flags & LIMITS_HAS_MAX ? r.u64() : undefined;
  const pageSizeLog2 = flags & LIMITS_PAGE_SIZE ? r.u32() : 16;
  return { flags, min, max, pageSizeLog2, start, end: r.pos };
}

/** Skips a value type, including `(ref null? ht)` with its s33 heap type. */
export function skipValtype(r: Reader): void {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.skipLeb();
}

function skipComptype(r: Reader): void {
  const form = r.byte();
  if (form === 0x60) {
    for (let vec = 0; vec < 2; vec++) {
      const n = r.u32();
      for (let i = 0; i < n; i++) skipValtype(r);
    }
  } else if (form === 0x5f) {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      skipValtype(r);
      r.byte();
    }
  } else if (form === 0x5e) {
    skipValtype(r);
    r.byte();
  } else {
    throw invalid(`unknown type form 0x${form.toString(16)} in the type section at offset ${r.pos - 1}`);
  }
}

function skipSubtype(r: Reader): void {
  const b = r.bytes[r.pos];
  if (b === 0x50 || b === 0x4f) {
    r.pos++;
    const n = r.u32();
    for (let i = 0; i < n; i++) r.skipLeb();
  }
  skipComptype(r);
}

/** Number of types the type section defines; GC recursion groups count each of their members. */
export function countTypes(r: Reader): number {
  const entries = r.u32();
  let types = 0;
  for (let i = 0; i < entries; i++) {
    if (r.bytes[r.pos] === 0x4e) {
      r.pos++;
      const n = r.u32();
      for (let j = 0; j < n; j++) skipSubtype(r);
      types += n;
    } else {
      skipSubtype(r);
      types++;
    }
  }
  return types;
}

/** Calls `onEntry` for each import with its descriptor decoded; memory limits are passed along. */
export function readImports(
  r: Reader,
  onMemory?: (limits: Limits, entry: ImportEntry) => void,
): ImportEntry[] {
  const n = r.u32();
  const entries: ImportEntry[] = [];
  for (let i = 0; i < n; i++) {
    const module = r.name();
    const name = r.name();
    const kind = kindOf(r.byte(), r);
    const entry = { module, name, kind };
    switch (kind) {
      case 'func':
        r.u32();
        break;
      case 'table':
        skipValtype(r);
        readLimits(r);
        break;
      case 'memory': {
        const limits = readLimits(r);
        onMemory?.(limits, entry);
        break;
      }
      case 'global':
        skipValtype(r);
        r.byte();
        break;
      case 'tag':
        r.byte();
        r.u32();
        break;
    }
    entries.push(entry);
  }
  return entries;
}

export function readExports(r: Reader): ExportEntry[] {
  const n = r.u32();
  const entries: ExportEntry[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.name();
    const kind = kindOf(r.byte(), r);
    entries.push({ name, kind, index: r.u32() });
  }
  return entries;
}
