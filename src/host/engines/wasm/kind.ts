// Tells a wasi:http component from a core module (and a WAGI command among modules) by reading the
// binary's header and sections, rejecting anything that is not well-formed WebAssembly.

import { WasmkubeError } from '../../../errors.ts';
import { COMPONENT_LAYER, MODULE_VERSION, Reader, readHeader, readSections, SECTION } from './binary.ts';
import type { ExternKind } from './module-parts.ts';
import { readExports, readImports } from './module-parts.ts';

/** The component binary version this host reads (component model as shipped with WASI 0.2). */
export const COMPONENT_VERSION = 0x0d;

export interface ModuleImport {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternKind;
}

export interface ModuleExport {
  readonly name: string;
  readonly kind: ExternKind;
}

export type WasmKind =
  | { readonly kind: 'component' }
  | { readonly kind: 'module'; readonly imports: ModuleImport[]; readonly exports: ModuleExport[] };

const WASI_P1_MODULES = new Set(['wasi_snapshot_preview1', 'wasi_unstable']);

/**
 * Reads enough of `bytes` to say what it is. Throws WASM_INVALID with the reason (bad magic,
 * unknown version or layer, truncated or out-of-order section N at offset X, malformed imports).
 */
export function detectWasmKind(bytes: Uint8Array): WasmKind {
  const { version, layer } = readHeader(bytes);
  if (layer === COMPONENT_LAYER) {
    if (version !== COMPONENT_VERSION) {
      throw new WasmkubeError(
        'WASM_INVALID',
        `unknown component binary version 0x${version.toString(16)}, this host reads 0x${COMPONENT_VERSION.toString(16)}`,
        { fix: 'rebuild the component with a current toolchain (jco, cargo-component, wasm-tools 1.2xx)' },
      );
    }
    // Component section ids run 0-12; their contents are left to the component loader.
    readSections(bytes, 12, false);
    return { kind: 'component' };
  }
  if (layer !== 0) {
    throw new WasmkubeError('WASM_INVALID', `unknown binary layer ${layer} (0 is a module, 1 a component)`, {
      fix: 'the file is corrupt or from an unknown toolchain: rebuild it',
    });
  }
  if (version !== MODULE_VERSION) {
    throw new WasmkubeError('WASM_INVALID', `unknown module version ${version}, expected 1`, {
      fix: 'the file is corrupt or from an unknown toolchain: rebuild it',
    });
  }
  const sections = readSections(bytes, SECTION.tag, true);
  let imports: ModuleImport[] = [];
  let exports: ModuleExport[] = [];
  sections.forEach((s, index) => {
    if (s.id !== SECTION.import && s.id !== SECTION.export) return;
    const r = new Reader(
      bytes,
      s.payloadStart,
      s.end,
      `section ${index} (${s.id === SECTION.import ? 'import' : 'export'})`,
    );
    if (s.id === SECTION.import) imports = readImports(r);
    else exports = readExports(r).map(({ name, kind }) => ({ name, kind }));
    if (r.pos !== s.end) {
      throw new WasmkubeError(
        'WASM_INVALID',
        `section ${index} at offset ${s.start} has ${s.end - r.pos} trailing bytes`,
        {
          fix: 'the file is corrupt: rebuild it',
        },
      );
    }
  });
  return { kind: 'module', imports, exports };
}

/**
 * A WAGI command: a module exporting `_start` that imports nothing but WASI preview 1 (or nothing).
 */
export function isWagiCommand(info: WasmKind): boolean {
  if (info.kind !== 'module') return false;
  const start = info.exports.some((e) => e.name === '_start' && e.kind === 'func');
  return start && info.imports.every((i) => WASI_P1_MODULES.has(i.module));
}
