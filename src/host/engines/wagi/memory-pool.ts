// Recycled linear memories for WAGI's fresh instance per request: mapping a new memory costs more than
// the rest of an instantiation, so each instance gets a zeroed one from the pool and gives it back.

/** Where a WAGI module's memory is imported from once the instrumenter has rewritten it. */
export const POOLED_MEMORY = { module: 'wasmkube', name: 'memory' } as const;

/** Memories above this many pages (1 MiB) are not pooled: wiping them costs more than mapping anew. */
export const MAX_POOLED_PAGES = 16;

/** Memories kept per service; more in flight at once are created and dropped. */
const MAX_FREE = 8;

export class MemoryPool {
  readonly #initialPages: number;
  readonly #maximumPages: number | undefined;
  readonly #free: WebAssembly.Memory[] = [];

  constructor(limits: { readonly initialPages: number; readonly maximumPages: number | undefined }) {
    this.#initialPages = limits.initialPages;
    this.#maximumPages = limits.maximumPages;
  }

  take(): WebAssembly.Memory {
    return (
      this.#free.pop() ??
      new WebAssembly.Memory(
        this.#maximumPages === undefined
          ? { initial: this.#initialPages }
          : { initial: this.#initialPages, maximum: this.#maximumPages },
      )
    );
  }

  /**
   * Takes a memory back once its instance is done. A memory that grew is dropped (memories cannot
   * shrink, and a pool of grown ones would hold the peak); the rest is zeroed, so no byte of one
   * request reaches the next: instantiation writes the data segments again.
   */
  give(memory: WebAssembly.Memory): void {
    const buffer = memory.buffer;
    if (buffer.byteLength !== this.#initialPages * 65536 || this.#free.length >= MAX_FREE) return;
    new Uint8Array(buffer).fill(0);
    this.#free.push(memory);
  }
}
