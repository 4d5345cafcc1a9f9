// Rewrites a core module before it is compiled: caps every memory's maximum size, and inserts fuel
// checks at function entries and loop heads so a runaway guest can be stopped on the host's thread.

import { WasmkubeError } from '../../../errors.ts';
import type { Section } from './binary.ts';
import {
  COMPONENT_LAYER,
  customSectionName,
  MODULE_VERSION,
  Reader,
  readHeader,
  readSections,
  SECTION,
  SECTION_ORDER,
  Writer,
} from './binary.ts';
import { scanInstructions, skipLocals } from './code.ts';
import type { Limits } from './module-parts.ts';
import {
  countTypes,
  LIMITS_64,
  LIMITS_HAS_MAX,
  LIMITS_PAGE_SIZE,
  LIMITS_SHARED,
  readExports,
  readImports,
  readLimits,
} from './module-parts.ts';

/** Export name of the one-slot funcref table the host fills with its interrupt hook. */
export const INTERRUPT_TABLE_EXPORT = '__wasmkube_interrupt';
/** Export name of the mutable i32 fuel global. */
export const FUEL_GLOBAL_EXPORT = '__wasmkube_fuel';
/**
 * Fuel a freshly instantiated module starts with: a start function runs before the host can attach
 * its hook, and with an empty table slot the first refill would trap.
 */
export const START_FUEL = 0x7fffffff;

export interface InstrumentOptions {
  /**
   * Upper bound on every memory (defined or imported), rounded down to whole pages. A module whose
   * initial size is already above it is rejected with GUEST_MEMORY.
   * @default no cap
   */
  readonly maxMemoryBytes?: number;
  /**
   * Insert a fuel check at every loop head and at the entry of every function that makes calls
   * (leaf functions without loops cannot run long); when fuel runs out the guest calls
   * the hook in table slot 0 of `__wasmkube_interrupt` (see `attachInterrupt`).
   * @default false
   */
  readonly interrupt?: boolean;
  /** Initial value of the fuel global. @default START_FUEL */
  readonly startFuel?: number;
  /**
   * Turn the module's one defined memory into an import `(import MODULE NAME (memory ...))` with the same
   * (capped) limits, so the host can hand each instance a recycled, zeroed memory instead of mapping a
   * new one. Left as it is when the module imports a memory, defines several, or a shared or 64-bit one;
   * `instrumented.importedMemory` says whether it happened.
   * @default undefined (memories stay as they are)
   */
  readonly importMemory?: { readonly module: string; readonly name: string };
  /**
   * Export every defined global as `__wasmkube_global_N` and every defined table as `__wasmkube_table_N`
   * (N its index), so the host can snapshot an instance's state and put it back.
   * @default false
   */
  readonly exportState?: boolean;
}

export const STATE_GLOBAL_PREFIX = '__wasmkube_global_';
export const STATE_TABLE_PREFIX = '__wasmkube_table_';

export interface InstrumentResult {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly instrumented: {
    /** Memories whose limits were checked against the cap (and lowered where above it). */
    readonly memories: number;
    /** Loop heads that got a fuel check. */
    readonly loops: number;
    /** Function entries that got a fuel check: those of functions that call other functions. */
    readonly functions: number;
    /** The limits of the memory that became an import (pages; max capped), if one did. */
    readonly importedMemory?: { readonly initialPages: number; readonly maximumPages: number | undefined };
  };
}

/** Custom sections that hold byte offsets into the code section, which rewriting invalidates. */
function holdsCodeOffsets(name: string): boolean {
  return name.startsWith('.debug_') || name.startsWith('metadata.code.') || name === 'sourceMappingURL';
}

interface Counts {
  importedFuncs: number;
  importedTables: number;
  importedGlobals: number;
  types: number;
  tables: number;
  globals: number;
  functions: number;
}

function vecCount(bytes: Uint8Array, s: Section | undefined, what: string): number {
  if (s === undefined) return 0;
  const r = new Reader(bytes, s.payloadStart, s.end, `${what} section`);
  const count = r.u32();
  // Every entry takes at least a byte: a larger count is a lie that would size what is built from it
  // (one state export per global: a 20-byte module asked for 45 million and took the heap down).
  if (count > s.end - r.pos) {
    throw new WasmkubeError(
      'WASM_INVALID',
      `the ${what} section claims ${count} entries in ${s.end - r.pos} bytes`,
      { fix: 'the file is corrupt: rebuild it' },
    );
  }
  return count;
}

/** A section payload made of the original vector plus `extra` appended entries. */
function appendToVector(
  bytes: Uint8Array,
  s: Section | undefined,
  what: string,
  added: number,
  extra: Uint8Array,
) {
  const w = new Writer((s ? s.end - s.payloadStart : 0) + extra.length + 8);
  if (s === undefined) return w.uleb(added).bytes(extra).finish();
  const r = new Reader(bytes, s.payloadStart, s.end, `${what} section`);
  const count = r.u32();
  return w
    .uleb(count + added)
    .bytes(bytes.subarray(r.pos, s.end))
    .bytes(extra)
    .finish();
}

function memoryError(where: string, limits: Limits, capBytes: number): WasmkubeError {
  const pageSize = 2 ** limits.pageSizeLog2;
  const needMiB = Math.ceil((limits.min * pageSize) / (1024 * 1024));
  return new WasmkubeError(
    'GUEST_MEMORY',
    `${where} starts at ${limits.min} pages (${limits.min * pageSize} bytes), above the ` +
      `memory limit of ${capBytes} bytes`,
    { fix: `raise limits.memory to at least ${needMiB} MiB` },
  );
}

/** Re-encodes `limits` with max lowered to the cap; throws when the initial size is above it. */
function capLimits(limits: Limits, capBytes: number, where: string): Uint8Array {
  const capPages = Math.floor(capBytes / 2 ** limits.pageSizeLog2);
  if (limits.min > capPages) throw memoryError(where, limits, capBytes);
  const max = limits.max === undefined ? capPages : Math.min(limits.max, capPages);
  const w = new Writer(24)
    .byte(limits.flags | LIMITS_HAS_MAX)
    .uleb(limits.min)
    .uleb(max);
  if (limits.flags & LIMITS_PAGE_SIZE) w.uleb(limits.pageSizeLog2);
  return w.finish();
}

/** Copies `[start, end)` of `bytes`, replacing the given sorted, disjoint ranges. */
function patch(
  bytes: Uint8Array,
  start: number,
  end: number,
  patches: { start: number; end: number; with: Uint8Array }[],
) {
  const w = new Writer(end - start + patches.length * 8);
  let last = start;
  for (const p of patches) {
    w.bytes(bytes.subarray(last, p.start)).bytes(p.with);
    last = p.end;
  }
  return w.bytes(bytes.subarray(last, end)).finish();
}

/**
 * The inserted check. It nets no stack effect and holds no branch out of itself, so it can sit at a
 * loop head or function entry without changing any label depth the original code uses (its own
 * `if` label exists only between its `if` and `end`):
 *
 *   fuel -= 1
 *   if (fuel <= 0) {
 *     fuel = interrupt[0]()       ;; the host's check(): new fuel, or throws
 *     if (!(fuel > 0)) unreachable ;; check() returned <= 0: trap, which guest handlers cannot catch
 *   }
 */
function fuelCheck(fuelGlobal: number, hookType: number, hookTable: number): Uint8Array {
  const w = new Writer(40);
  const get = () => w.byte(0x23).uleb(fuelGlobal);
  const set = () => w.byte(0x24).uleb(fuelGlobal);
  get();
  w.byte(0x41).byte(0x01).byte(0x6b); // i32.const 1; i32.sub
  set();
  get();
  w.byte(0x41).byte(0x00).byte(0x4c); // i32.const 0; i32.le_s
  w.byte(0x04).byte(0x40); // if (empty block type)
  w.byte(0x41).byte(0x00); // i32.const 0 (table slot)
  w.byte(0x11).uleb(hookType).uleb(hookTable); // call_indirect
  set();
  get();
  w.byte(0x41).byte(0x00).byte(0x4a); // i32.const 0; i32.gt_s
  w.byte(0x0d).byte(0x00); // br_if 0: out of this if
  w.byte(0x00); // unreachable
  w.byte(0x0b); // end
  return w.finish();
}

function rewriteCode(bytes: Uint8Array, s: Section, counts: Counts, check: Uint8Array) {
  const r = new Reader(bytes, s.payloadStart, s.end, 'code section');
  const n = r.u32();
  if (n !== counts.functions) {
    throw new WasmkubeError(
      'WASM_INVALID',
      `code section has ${n} bodies but the function section declares ${counts.functions}`,
      { fix: 'the module is corrupt: rebuild it' },
    );
  }
  const w = new Writer(s.end - s.payloadStart + (n + 1024) * check.length);
  w.uleb(n);
  const loops: number[] = [];
  let loopCount = 0;
  let entries = 0;
  for (let i = 0; i < n; i++) {
    const funcIndex = counts.importedFuncs + i;
    r.context = `code of function ${funcIndex}`;
    const size = r.u32();
    const bodyStart = r.pos;
    const bodyEnd = bodyStart + size;
    if (bodyEnd > s.end) {
      throw new WasmkubeError(
        'WASM_INVALID',
        `truncated body of function ${funcIndex} at offset ${bodyStart}`,
        {
          fix: 'the module is corrupt: rebuild it',
        },
      );
    }
    const instrStart = skipLocals(bytes, bodyStart, bodyEnd, funcIndex);
    loops.length = 0;
    // A function that calls nothing and has no loop runs in time bounded by its size, so only
    // callers need an entry check: every recursion cycle, however indirect, goes through one.
    const entry = scanInstructions(bytes, instrStart, bodyEnd, funcIndex, loops);
    loopCount += loops.length;
    if (entry) entries++;
    w.uleb(size + (loops.length + (entry ? 1 : 0)) * check.length);
    w.bytes(bytes.subarray(bodyStart, instrStart));
    if (entry) w.bytes(check);
    let last = instrStart;
    for (const at of loops) {
      w.bytes(bytes.subarray(last, at)).bytes(check);
      last = at;
    }
    w.bytes(bytes.subarray(last, bodyEnd));
    r.pos = bodyEnd;
  }
  if (r.pos !== s.end) {
    throw new WasmkubeError('WASM_INVALID', `code section has ${s.end - r.pos} trailing bytes`, {
      fix: 'the module is corrupt: rebuild it',
    });
  }
  return { payload: w.finish(), loops: loopCount, entries };
}

/**
 * Rewrites a core module for the host's per-guest limits. Every section it does not need to change
 * is copied byte for byte; the name section stays valid because no function, global or type index
 * moves (new entries are only ever appended).
 */
export function instrumentModule(bytes: Uint8Array, options: InstrumentOptions = {}): InstrumentResult {
  const { version, layer } = readHeader(bytes);
  if (layer === COMPONENT_LAYER) {
    throw new WasmkubeError('WASM_UNSUPPORTED', 'instrumentModule takes a core module, not a component', {
      fix: 'instrument the core modules of the component (as jco transpile extracts them)',
    });
  }
  if (version !== MODULE_VERSION || layer !== 0) {
    throw new WasmkubeError('WASM_INVALID', `unknown module version ${version} layer ${layer}`, {
      fix: 'the file is corrupt or from an unknown toolchain: rebuild it',
    });
  }
  const cap = options.maxMemoryBytes;
  if (cap !== undefined && !(Number.isSafeInteger(cap) && cap >= 0)) {
    throw new WasmkubeError('BAD_ARGUMENT', `maxMemoryBytes must be a non-negative integer, got ${cap}`, {
      fix: 'set limits.memory to a size such as 64Mi',
    });
  }
  const sections = readSections(bytes, SECTION.tag, true);
  const byId = new Map<number, Section>();
  for (const s of sections) if (s.id !== SECTION.custom) byId.set(s.id, s);

  const counts: Counts = {
    importedFuncs: 0,
    importedTables: 0,
    importedGlobals: 0,
    types: 0,
    tables: vecCount(bytes, byId.get(SECTION.table), 'table'),
    globals: vecCount(bytes, byId.get(SECTION.global), 'global'),
    functions: vecCount(bytes, byId.get(SECTION.function), 'function'),
  };
  const typeSection = byId.get(SECTION.type);
  if (typeSection)
    counts.types = countTypes(new Reader(bytes, typeSection.payloadStart, typeSection.end, 'type section'));

  /** New payloads by section id; sections absent from the module are created in spec order. */
  const replaced = new Map<number, Uint8Array>();
  let memories = 0;
  let importedMemories = 0;
  let importedMemory: { initialPages: number; maximumPages: number | undefined } | undefined;

  const importSection = byId.get(SECTION.import);
  if (importSection) {
    const patches: { start: number; end: number; with: Uint8Array }[] = [];
    const r = new Reader(bytes, importSection.payloadStart, importSection.end, 'import section');
    const imports = readImports(r, (limits, entry) => {
      importedMemories++;
      if (cap === undefined) return;
      memories++;
      patches.push({
        ...limits,
        with: capLimits(limits, cap, `imported memory ${entry.module}.${entry.name}`),
      });
    });
    for (const i of imports) {
      if (i.kind === 'func') counts.importedFuncs++;
      else if (i.kind === 'table') counts.importedTables++;
      else if (i.kind === 'global') counts.importedGlobals++;
    }
    if (patches.length > 0) {
      const payload = patch(bytes, importSection.payloadStart, importSection.end, patches);
      replaced.set(SECTION.import, payload);
    }
  }

  const memorySection = byId.get(SECTION.memory);
  if (memorySection) {
    const r = new Reader(bytes, memorySection.payloadStart, memorySection.end, 'memory section');
    const n = r.u32();
    const limits: Limits[] = [];
    for (let i = 0; i < n; i++) limits.push(readLimits(r));
    const encoded = limits.map((l, i) =>
      cap === undefined ? bytes.slice(l.start, l.end) : capLimits(l, cap, `memory ${i}`),
    );
    if (cap !== undefined) memories += n;
    const only = limits[0];
    const into = options.importMemory;
    if (
      into &&
      n === 1 &&
      only &&
      importedMemories === 0 &&
      (only.flags & (LIMITS_SHARED | LIMITS_64)) === 0 &&
      only.pageSizeLog2 === 16
    ) {
      // Imported memories take the lowest indices: with none imported, memory 0 stays memory 0.
      const entry = new Writer(64).name(into.module).name(into.name).byte(0x02).bytes(encoded[0]!).finish();
      replaced.set(SECTION.import, appendToVector(bytes, importSection, 'import', 1, entry));
      replaced.set(SECTION.memory, Uint8Array.of(0));
      const capPages = cap === undefined ? undefined : Math.floor(cap / 65536);
      const max =
        only.max === undefined ? capPages : capPages === undefined ? only.max : Math.min(only.max, capPages);
      importedMemory = { initialPages: only.min, maximumPages: max };
    } else if (cap !== undefined) {
      const w = new Writer(n * 24 + 8).uleb(n);
      for (const e of encoded) w.bytes(e);
      replaced.set(SECTION.memory, w.finish());
    }
  }

  let loops = 0;
  let entries = 0;
  /** Exports to append: name, kind (1 table, 3 global), index. */
  const extraExports: [string, number, number][] = [];
  if (options.interrupt) {
    const exportSection = byId.get(SECTION.export);
    if (exportSection) {
      const names = readExports(
        new Reader(bytes, exportSection.payloadStart, exportSection.end, 'export section'),
      );
      if (names.some((e) => e.name === INTERRUPT_TABLE_EXPORT || e.name === FUEL_GLOBAL_EXPORT)) {
        throw new WasmkubeError('WASM_INSTRUMENT', `module already exports ${INTERRUPT_TABLE_EXPORT}`, {
          fix: 'pass the original module: it has been instrumented already',
        });
      }
    }
    const hookType = counts.types;
    const hookTable = counts.importedTables + counts.tables;
    const fuelGlobal = counts.importedGlobals + counts.globals;
    // (func (result i32))
    replaced.set(
      SECTION.type,
      appendToVector(bytes, typeSection, 'type', 1, Uint8Array.of(0x60, 0x00, 0x01, 0x7f)),
    );
    // funcref, min 1, max 1
    const table = Uint8Array.of(0x70, 0x01, 0x01, 0x01);
    replaced.set(SECTION.table, appendToVector(bytes, byId.get(SECTION.table), 'table', 1, table));
    // (global (mut i32) (i32.const startFuel))
    const global = new Writer(16)
      .byte(0x7f)
      .byte(0x01)
      .byte(0x41)
      .sleb(options.startFuel ?? START_FUEL)
      .byte(0x0b);
    replaced.set(
      SECTION.global,
      appendToVector(bytes, byId.get(SECTION.global), 'global', 1, global.finish()),
    );
    extraExports.push([INTERRUPT_TABLE_EXPORT, 0x01, hookTable], [FUEL_GLOBAL_EXPORT, 0x03, fuelGlobal]);
    const codeSection = byId.get(SECTION.code);
    if (codeSection) {
      const code = rewriteCode(bytes, codeSection, counts, fuelCheck(fuelGlobal, hookType, hookTable));
      replaced.set(SECTION.code, code.payload);
      loops = code.loops;
      entries = code.entries;
    } else if (counts.functions > 0) {
      throw new WasmkubeError(
        'WASM_INVALID',
        `function section declares ${counts.functions} functions but there is no code section`,
        {
          fix: 'the module is corrupt: rebuild it',
        },
      );
    }
  }

  if (options.exportState) {
    for (let i = 0; i < counts.globals; i++) {
      const index = counts.importedGlobals + i;
      extraExports.push([`${STATE_GLOBAL_PREFIX}${index}`, 0x03, index]);
    }
    for (let i = 0; i < counts.tables; i++) {
      const index = counts.importedTables + i;
      extraExports.push([`${STATE_TABLE_PREFIX}${index}`, 0x01, index]);
    }
  }
  if (extraExports.length > 0) {
    const w = new Writer(64 * extraExports.length);
    for (const [name, kind, index] of extraExports) w.name(name).byte(kind).uleb(index);
    const exportSection = byId.get(SECTION.export);
    replaced.set(
      SECTION.export,
      appendToVector(bytes, exportSection, 'export', extraExports.length, w.finish()),
    );
  }

  let added = 0;
  for (const payload of replaced.values()) added += payload.length + 6;
  const out = new Writer(bytes.length + added);
  out.bytes(bytes.subarray(0, 8));
  const pending = [...replaced.keys()]
    .filter((id) => !byId.has(id))
    .sort((a, b) => SECTION_ORDER[a] - SECTION_ORDER[b]);
  const emit = (id: number, payload: Uint8Array) => out.byte(id).uleb(payload.length).bytes(payload);
  for (const s of sections) {
    if (s.id === SECTION.custom) {
      if (options.interrupt && holdsCodeOffsets(customSectionName(bytes, s))) continue;
      out.bytes(bytes.subarray(s.start, s.end));
      continue;
    }
    while (pending.length > 0 && SECTION_ORDER[pending[0]] < SECTION_ORDER[s.id]) {
      const id = pending.shift()!;
      emit(id, replaced.get(id)!);
    }
    const payload = replaced.get(s.id);
    if (payload) emit(s.id, payload);
    else out.bytes(bytes.subarray(s.start, s.end));
  }
  for (const id of pending) emit(id, replaced.get(id)!);

  // Do not hand back a view pinning the unused part of the buffer (the size of the original code).
  const result = out.buf.length - out.len > 1 << 20 ? out.finish().slice() : out.finish();
  return {
    bytes: result,
    instrumented: { memories, loops, functions: entries, ...(importedMemory ? { importedMemory } : {}) },
  };
}
