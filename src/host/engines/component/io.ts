// wasi:io for components, in the host: pollables, input streams over the request body as it arrives,
// output streams into the response body with backpressure, and the opaque error resource. The
// blocking calls return a promise when they must wait, and JSPI suspends the guest until it settles.

import type { BodyReader, BodyWriter } from '../../core/body.ts';

type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };
export type StreamError = { tag: 'last-operation-failed'; val: IoError } | { tag: 'closed' };

const CLOSED: { tag: 'err'; val: StreamError } = { tag: 'err', val: { tag: 'closed' } };
const OK_EMPTY = { tag: 'ok', val: undefined } as const;
const EMPTY = new Uint8Array(0);
/** wasi:io allows 4096 bytes per blocking-write-and-flush; wasmkube accepts up to 64 KiB at once. */
const MAX_BLOCKING_WRITE = 64 * 1024;

export class IoError {
  readonly #message: string;
  /** What failed underneath (an outbound body's socket error): wasi:http's http-error-code reads it. */
  readonly cause: unknown;
  constructor(message: string, cause?: unknown) {
    this.#message = message;
    this.cause = cause;
  }
  toDebugString(): string {
    return this.#message;
  }
}

function overPermit(n: number): { tag: 'err'; val: StreamError } {
  return {
    tag: 'err',
    val: {
      tag: 'last-operation-failed',
      val: new IoError(`a write of ${n} bytes exceeds what check-write permits`),
    },
  };
}

/**
 * Where a stream or pollable finds the request it waits for: read at wait time, not when it was made,
 * so a guest that keeps a pollable across requests is still bounded by the current one.
 */
export interface ScopeRef {
  readonly scope: WaitScope | null;
}

/**
 * What the guest is waiting for, and what may stop the wait: the request's abort signal (deadline,
 * client gone). Every wait of a request goes through its WaitScope.
 */
export interface WaitScope {
  /** Rejects with the abort reason when the request is aborted. */
  wait<T>(p: Promise<T>): Promise<T>;
  /** Called when the guest must wait for I/O: the host may now send the response head. */
  onWait(): void;
}

/** A pollable that is ready now, when `isReady()` says so, or at a monotonic instant (ns). */
export class Pollable {
  readonly #isReady: () => boolean;
  readonly #whenReady: () => Promise<unknown>;
  readonly #ref: ScopeRef | null;

  constructor(isReady: () => boolean, whenReady: () => Promise<unknown>, ref: ScopeRef | null) {
    this.#isReady = isReady;
    this.#whenReady = whenReady;
    this.#ref = ref;
  }

  static at(ns: bigint, ref: ScopeRef | null): Pollable {
    const ready = () => process.hrtime.bigint() >= ns;
    // Unref'd and capped (setTimeout wraps past 2^31 ms): an abandoned sleep keeps nothing alive.
    const wait = () =>
      new Promise<void>((r) => {
        const ms = Math.min(2 ** 31 - 1, Math.max(0, Number(ns - process.hrtime.bigint()) / 1e6));
        setTimeout(r, ms).unref();
      });
    return new Pollable(ready, wait, ref);
  }

  static readonly always = new Pollable(
    () => true,
    () => Promise.resolve(),
    null,
  );

  ready(): boolean {
    return this.#isReady();
  }

  block(): undefined | Promise<undefined> {
    if (this.#isReady()) return undefined;
    return this.waitReady().then(() => undefined);
  }

  /** @internal a promise for readiness, bounded by the current request's abort signal */
  async waitReady(): Promise<void> {
    while (!this.#isReady()) {
      const scope = this.#ref?.scope;
      if (this.#ref && !scope) throw new WebAssembly.RuntimeError('guest waited with no request in progress');
      scope?.onWait();
      const p = this.#whenReady();
      await (scope ? scope.wait(p) : p);
    }
  }
}

export function poll(list: Pollable[]): Uint32Array | Promise<Uint32Array> {
  const ready = () => {
    const out: number[] = [];
    list.forEach((p, i) => {
      if (p.ready()) out.push(i);
    });
    return out;
  };
  // wasmtime traps here too: an empty poll would wait forever.
  if (list.length === 0) throw new WebAssembly.RuntimeError('poll called with an empty list');
  const now = ready();
  if (now.length > 0) return new Uint32Array(now);
  return Promise.race(list.map((p) => p.waitReady())).then(() => new Uint32Array(ready()));
}

/** A stream of bytes the guest reads: the request body, read from the socket as the guest asks. */
export class InputStream {
  readonly #reader: BodyReader | null;
  readonly #ref: ScopeRef | null;
  closed = false;

  constructor(reader: BodyReader | null, ref: ScopeRef | null) {
    this.#reader = reader;
    this.#ref = ref;
  }

  #take(len: bigint): Result<Uint8Array, StreamError> | undefined {
    if (this.closed || this.#reader === null) return CLOSED;
    let chunk: Uint8Array | null | undefined;
    try {
      chunk = this.#reader.tryRead(Number(len));
    } catch (err) {
      return { tag: 'err', val: { tag: 'last-operation-failed', val: new IoError(String(err), err) } };
    }
    if (chunk === null) return CLOSED;
    if (chunk === undefined) return undefined;
    return { tag: 'ok', val: chunk };
  }

  read(len: bigint): Result<Uint8Array, StreamError> {
    if (len === 0n) return { tag: 'ok', val: EMPTY };
    return this.#take(len) ?? { tag: 'ok', val: EMPTY };
  }

  blockingRead(len: bigint): Result<Uint8Array, StreamError> | Promise<Result<Uint8Array, StreamError>> {
    if (len === 0n) return { tag: 'ok', val: EMPTY };
    const now = this.#take(len);
    if (now !== undefined) return now;
    return this.subscribe()
      .waitReady()
      .then(() => this.#take(len) ?? { tag: 'ok', val: EMPTY });
  }

  skip(len: bigint): Result<bigint, StreamError> {
    const r = this.read(len);
    return r.tag === 'ok' ? { tag: 'ok', val: BigInt(r.val.length) } : r;
  }

  blockingSkip(len: bigint): Result<bigint, StreamError> | Promise<Result<bigint, StreamError>> {
    const r = this.blockingRead(len);
    const map = (x: Result<Uint8Array, StreamError>): Result<bigint, StreamError> =>
      x.tag === 'ok' ? { tag: 'ok', val: BigInt(x.val.length) } : x;
    return r instanceof Promise ? r.then(map) : map(r);
  }

  subscribe(): Pollable {
    const reader = this.#reader;
    if (reader === null || this.closed) return Pollable.always;
    return new Pollable(
      () => reader.isReady,
      () => reader.ready(),
      this.#ref,
    );
  }
}

export interface OutputSink {
  write(bytes: Uint8Array): void;
  /** The other end is gone (client closed, response failed): writes fail, waits end. */
  readonly failed: boolean;
  /** Bytes that may be written now without waiting. */
  readonly capacity: number;
  drained(): Promise<void>;
}

/** Writes to a sink: a response body, or a log line splitter for stdout/stderr. */
/** Guest writes are copied into shared slabs of this size: one allocation per slab, not per write. */
const SLAB = 64 * 1024;
let slab: Buffer | null = null;
let slabUsed = 0;

/**
 * Copies a view of guest memory (valid only during the call) out of it, into the current slab, which only
 * ever fills forward: a piece handed out is never written over, and a slab lives as long as any piece of
 * it does. Large writes get a buffer of their own.
 */
function copyOut(contents: Uint8Array): Uint8Array {
  const n = contents.length;
  if (n > SLAB / 4) return contents.slice();
  if (slab === null || slabUsed + n > SLAB) {
    slab = Buffer.allocUnsafeSlow(SLAB);
    slabUsed = 0;
  }
  const at = slabUsed;
  slab.set(contents, at);
  slabUsed += n;
  return slab.subarray(at, at + n);
}

export class OutputStream {
  readonly #sink: OutputSink;
  readonly #ref: ScopeRef | null;
  closed = false;

  constructor(sink: OutputSink, ref: ScopeRef | null) {
    this.#sink = sink;
    this.#ref = ref;
  }

  checkWrite(): Result<bigint, StreamError> {
    if (this.closed) return CLOSED;
    return { tag: 'ok', val: BigInt(this.#sink.capacity) };
  }

  write(contents: Uint8Array): Result<undefined, StreamError> {
    if (this.closed || this.#sink.failed) return CLOSED;
    // The permit from check-write bounds what the host buffers for a guest that never waits.
    if (contents.length > this.#sink.capacity) return overPermit(contents.length);
    this.#sink.write(copyOut(contents));
    return OK_EMPTY;
  }

  blockingWriteAndFlush(
    contents: Uint8Array,
  ): Result<undefined, StreamError> | Promise<Result<undefined, StreamError>> {
    if (this.closed) return CLOSED;
    if (contents.length > MAX_BLOCKING_WRITE) return overPermit(contents.length);
    if (this.#sink.capacity > 0) {
      this.#sink.write(copyOut(contents));
      return this.blockingFlush();
    }
    // Copied now: the guest's memory may change while it is suspended.
    const copy = copyOut(contents);
    return this.subscribe()
      .waitReady()
      .then(() => {
        if (this.closed || this.#sink.failed) return CLOSED;
        this.#sink.write(copy);
        return this.blockingFlush();
      });
  }

  flush(): Result<undefined, StreamError> {
    return this.closed ? CLOSED : OK_EMPTY;
  }

  blockingFlush(): Result<undefined, StreamError> | Promise<Result<undefined, StreamError>> {
    if (this.closed || this.#sink.failed) return CLOSED;
    if (this.#sink.capacity > 0) return OK_EMPTY;
    return this.subscribe()
      .waitReady()
      .then(() => (this.closed || this.#sink.failed ? CLOSED : OK_EMPTY));
  }

  writeZeroes(len: bigint): Result<undefined, StreamError> {
    if (len > BigInt(this.#sink.capacity)) return overPermit(Number(len));
    return this.write(new Uint8Array(Number(len)));
  }

  blockingWriteZeroesAndFlush(len: bigint) {
    if (len > BigInt(MAX_BLOCKING_WRITE)) return overPermit(Number(len));
    return this.blockingWriteAndFlush(new Uint8Array(Number(len)));
  }

  splice(src: InputStream, len: bigint): Result<bigint, StreamError> {
    const n = BigInt(Math.min(Number(len), this.#sink.capacity));
    const r = src.read(n);
    if (r.tag === 'err') return r;
    const w = this.write(r.val);
    return w.tag === 'err' ? w : { tag: 'ok', val: BigInt(r.val.length) };
  }

  async blockingSplice(src: InputStream, len: bigint): Promise<Result<bigint, StreamError>> {
    const r = await src.blockingRead(len);
    if (r.tag === 'err') return r;
    const w = await this.blockingWriteAndFlush(r.val);
    return w.tag === 'err' ? w : { tag: 'ok', val: BigInt(r.val.length) };
  }

  subscribe(): Pollable {
    const sink = this.#sink;
    return new Pollable(
      () => this.closed || sink.failed || sink.capacity > 0,
      () => sink.drained(),
      this.#ref,
    );
  }
}

/** Adapts a response BodyWriter to an output sink. */
export function bodySink(body: BodyWriter): OutputSink {
  return {
    write: (bytes) => body.write(bytes),
    get capacity() {
      return body.capacity;
    },
    get failed() {
      return body.error !== null;
    },
    drained: () => body.drained(),
  };
}

export function ioImports() {
  return {
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
  };
}

/** The wasi:io imports that may wait: jco makes exactly these suspend the guest (JSPI). */
export const BLOCKING_IMPORTS = [
  'wasi:io/poll#[method]pollable.block',
  'wasi:io/poll#poll',
  'wasi:io/streams#[method]input-stream.blocking-read',
  'wasi:io/streams#[method]input-stream.blocking-skip',
  'wasi:io/streams#[method]output-stream.blocking-write-and-flush',
  'wasi:io/streams#[method]output-stream.blocking-flush',
  'wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush',
  'wasi:io/streams#[method]output-stream.blocking-splice',
];
