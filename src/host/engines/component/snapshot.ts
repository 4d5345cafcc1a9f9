// 'fresh' isolation without a new instance per request: the state a component's core instances start
// with (memories, globals, tables) is copied once, and put back after each request that ended cleanly.

import { STATE_GLOBAL_PREFIX, STATE_TABLE_PREFIX } from '../wasm/instrument.ts';

/** Above this much linear memory a copy per request costs more than instantiating anew. */
export const MAX_SNAPSHOT_BYTES = 1 << 20;

interface TableImage {
  readonly table: WebAssembly.Table;
  readonly elements: unknown[];
}

export class InstanceSnapshot {
  readonly #memories: [WebAssembly.Memory, Uint8Array][];
  readonly #globals: [WebAssembly.Global, unknown][];
  readonly #tables: TableImage[];

  private constructor(
    memories: [WebAssembly.Memory, Uint8Array][],
    globals: [WebAssembly.Global, unknown][],
    tables: TableImage[],
  ) {
    this.#memories = memories;
    this.#globals = globals;
    this.#tables = tables;
  }

  /**
   * Copies the state of freshly made core instances (instrumented with `exportState`), or returns
   * undefined when their memory is too large to copy per request.
   */
  static take(
    instances: readonly WebAssembly.Instance[],
    memories: readonly WebAssembly.Memory[],
  ): InstanceSnapshot | undefined {
    let bytes = 0;
    for (const m of memories) bytes += m.buffer.byteLength;
    if (bytes > MAX_SNAPSHOT_BYTES) return undefined;
    const globals: [WebAssembly.Global, unknown][] = [];
    const tables: TableImage[] = [];
    for (const instance of instances) {
      for (const [name, value] of Object.entries(instance.exports)) {
        if (name.startsWith(STATE_GLOBAL_PREFIX) && value instanceof WebAssembly.Global) {
          globals.push([value, value.value]);
        } else if (name.startsWith(STATE_TABLE_PREFIX) && value instanceof WebAssembly.Table) {
          const elements: unknown[] = [];
          for (let i = 0; i < value.length; i++) elements.push(value.get(i));
          tables.push({ table: value, elements });
        }
      }
    }
    return new InstanceSnapshot(
      memories.map((m) => [m, new Uint8Array(m.buffer).slice()]),
      globals,
      tables,
    );
  }

  /**
   * Puts the first state back. False (and nothing changed) when it cannot be: a memory or table grew,
   * which wasm cannot undo; the instance is then dropped instead.
   */
  restore(): boolean {
    for (const [memory, image] of this.#memories) if (memory.buffer.byteLength !== image.length) return false;
    for (const { table, elements } of this.#tables) if (table.length !== elements.length) return false;
    for (const [memory, image] of this.#memories) new Uint8Array(memory.buffer).set(image);
    for (const [global, value] of this.#globals) {
      // Immutable globals never differ, so only mutable ones are ever written (Object.is: NaN is NaN).
      if (!Object.is(global.value, value)) global.value = value;
    }
    for (const { table, elements } of this.#tables) {
      for (let i = 0; i < elements.length; i++) {
        if (table.get(i) !== elements[i]) table.set(i, elements[i] as never);
      }
    }
    return true;
  }
}
