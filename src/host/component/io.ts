// wasi:io for components, in the host: pollables, input and output streams over in-memory request and
// response bodies, and the opaque error resource. Everything answers synchronously: the request body
// is in memory before the guest runs, and writes go to the response body writer.

import type { BodyWriter } from '../body.ts';

type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };
export type StreamError = { tag: 'last-operation-failed'; val: IoError } | { tag: 'closed' };

const CLOSED: { tag: 'err'; val: StreamError } = { tag: 'err', val: { tag: 'closed' } };
const OK_EMPTY = { tag: 'ok', val: undefined } as const;

export class IoError {
  readonly #message: string;
  constructor(message: string) {
    this.#message = message;
  }
  toDebugString(): string {
    return this.#message;
  }
}

/** A pollable that is ready now, or at a monotonic instant (ns). */
export class Pollable {
  readonly #at: bigint;
  constructor(at = 0n) {
    this.#at = at;
  }
  ready(): boolean {
    return this.#at === 0n || process.hrtime.bigint() >= this.#at;
  }
  block(): void {
    // Only clock pollables can be pending, and a guest that sleeps is bounded by its deadline.
    while (!this.ready()) {
      /* spin: the interrupt check in instrumented code still stops a runaway guest */
    }
  }
}

export function poll(list: Pollable[]): Uint32Array {
  for (;;) {
    const ready: number[] = [];
    list.forEach((p, i) => {
      if (p.ready()) ready.push(i);
    });
    if (ready.length > 0) return new Uint32Array(ready);
  }
}

const READY = new Pollable();

/** Reads from bytes held in memory (a request body the host has received). */
export class InputStream {
  #data: Uint8Array;
  #offset = 0;
  closed = false;
  constructor(data: Uint8Array) {
    this.#data = data;
  }
  read(len: bigint): Result<Uint8Array, StreamError> {
    if (this.closed) return CLOSED;
    const remaining = this.#data.length - this.#offset;
    if (remaining === 0) return len === 0n ? { tag: 'ok', val: new Uint8Array(0) } : CLOSED;
    const n = Math.min(Number(len), remaining);
    const out = this.#data.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return { tag: 'ok', val: out };
  }
  blockingRead(len: bigint): Result<Uint8Array, StreamError> {
    return this.read(len);
  }
  skip(len: bigint): Result<bigint, StreamError> {
    const r = this.read(len);
    return r.tag === 'ok' ? { tag: 'ok', val: BigInt(r.val.length) } : r;
  }
  blockingSkip(len: bigint): Result<bigint, StreamError> {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return READY;
  }
}

/** An input stream with nothing in it (stdin of a component). */
export function emptyInput(): InputStream {
  return new InputStream(new Uint8Array(0));
}

export interface OutputSink {
  write(bytes: Uint8Array): void;
  readonly capacity: number;
}

/** Writes to a sink: a response body, or a log line splitter for stdout/stderr. */
export class OutputStream {
  readonly #sink: OutputSink;
  closed = false;
  constructor(sink: OutputSink) {
    this.#sink = sink;
  }
  checkWrite(): Result<bigint, StreamError> {
    if (this.closed) return CLOSED;
    return { tag: 'ok', val: BigInt(Math.max(this.#sink.capacity, 4096)) };
  }
  write(contents: Uint8Array): Result<undefined, StreamError> {
    if (this.closed) return CLOSED;
    // The guest owns `contents` only for this call (it is a view of its memory): copy it.
    this.#sink.write(contents.slice());
    return OK_EMPTY;
  }
  blockingWriteAndFlush(contents: Uint8Array): Result<undefined, StreamError> {
    return this.write(contents);
  }
  flush(): Result<undefined, StreamError> {
    return this.closed ? CLOSED : OK_EMPTY;
  }
  blockingFlush(): Result<undefined, StreamError> {
    return this.flush();
  }
  writeZeroes(len: bigint): Result<undefined, StreamError> {
    return this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): Result<undefined, StreamError> {
    return this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): Result<bigint, StreamError> {
    const r = src.read(len);
    if (r.tag === 'err') return r;
    const w = this.write(r.val);
    return w.tag === 'err' ? w : { tag: 'ok', val: BigInt(r.val.length) };
  }
  blockingSplice(src: InputStream, len: bigint): Result<bigint, StreamError> {
    return this.splice(src, len);
  }
  subscribe(): Pollable {
    return READY;
  }
}

/** Adapts a response BodyWriter to an output sink. */
export function bodySink(body: BodyWriter): OutputSink {
  return {
    write: (bytes) => body.write(bytes),
    get capacity() {
      return body.capacity;
    },
  };
}

export function ioImports() {
  return {
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
  };
}
