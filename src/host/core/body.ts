// Request and response bodies as the engines see them: a pull reader over the socket that enforces the
// body limit as bytes arrive, and a push writer the adapter drains to the socket with backpressure.

import type { Readable } from 'node:stream';
import { WasmkubeError } from '../../errors.ts';

const HIGH_WATER = 256 * 1024;

function tooLarge(limit: number): WasmkubeError {
  return new WasmkubeError('BODY_TOO_LARGE', `request body exceeds the service's limit of ${limit} bytes`, {
    fix: 'send a smaller body or raise limits.maxBodySize in wasmkube.yaml',
  });
}

/** Reads a request body chunk by chunk; never holds more than a high-water mark beyond what was read. */
export class BodyReader {
  readonly limit: number;
  #source: Readable | null;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #received = 0;
  #ended = false;
  #error: Error | null = null;
  #waiter: (() => void) | null = null;
  #failWatchers: ((err: Error) => void)[] = [];

  constructor(source: Readable | null, limit: number, declaredLength?: number) {
    this.limit = limit;
    this.#source = source;
    if (source === null) {
      this.#ended = true;
      return;
    }
    if (declaredLength !== undefined && declaredLength > limit) {
      this.#fail(tooLarge(limit));
      return;
    }
    source.on('data', (chunk: Buffer) => this.#onData(chunk));
    source.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    source.on('error', (err) => this.#fail(err));
    // The client went away before the end: a guest waiting for more must not wait for its deadline.
    source.on('close', () => {
      if (!this.#ended) {
        this.#fail(
          new WasmkubeError(
            'CLIENT_CLOSED',
            'the client closed the connection before the request body ended',
          ),
        );
      }
    });
  }

  /** The failure that stopped reading (BODY_TOO_LARGE, client gone), if any. */
  get error(): Error | null {
    return this.#error;
  }

  #onData(chunk: Buffer): void {
    if (this.#error) return;
    this.#received += chunk.length;
    if (this.#received > this.limit) {
      this.#fail(tooLarge(this.limit));
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > HIGH_WATER) this.#source?.pause();
    this.#wake();
  }

  #fail(err: Error): void {
    if (this.#error) return;
    this.#error = err;
    this.#queue = [];
    this.#queued = 0;
    // Stop reading but keep the socket: the host still has to answer (413).
    this.#source?.pause();
    this.#wake();
    for (const cb of this.#failWatchers.splice(0)) cb(err);
  }

  /** Calls `cb` when reading fails (at once if it has): what was answered already may have to be undone. */
  onFail(cb: (err: Error) => void): void {
    if (this.#error) cb(this.#error);
    else this.#failWatchers.push(cb);
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /** Synchronous read: a chunk, `null` at the end, `undefined` when nothing has arrived yet. */
  tryRead(max = Number.POSITIVE_INFINITY): Uint8Array | null | undefined {
    if (this.#error) throw this.#error;
    const head = this.#queue[0];
    if (head === undefined) return this.#ended ? null : undefined;
    let out = head;
    if (head.length > max) {
      out = head.subarray(0, max);
      this.#queue[0] = head.subarray(max);
    } else {
      this.#queue.shift();
    }
    this.#queued -= out.length;
    if (this.#queued <= HIGH_WATER / 2) this.#source?.resume();
    return out;
  }

  /** Resolves when a chunk, the end or an error is available. */
  ready(): Promise<void> {
    if (this.#queue.length > 0 || this.#ended || this.#error) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.#waiter;
      this.#waiter = () => {
        prev?.();
        resolve();
      };
    });
  }

  get isReady(): boolean {
    return this.#queue.length > 0 || this.#ended || this.#error !== null;
  }

  async read(max?: number): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.tryRead(max);
      if (chunk !== undefined) return chunk;
      await this.ready();
    }
  }

  async readAll(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) break;
      parts.push(chunk);
      total += chunk.length;
    }
    return concatBytes(parts, total);
  }
}

/** One buffer from many; the single part itself when there is one. */
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export interface BodySink {
  write(chunk: Uint8Array): boolean;
  end(): void;
  fail(err: Error): void;
  onDrain(cb: () => void): void;
}

/**
 * A response body the guest writes while the adapter may not yet be attached. Until `attach`, chunks are
 * buffered, so a guest that answers synchronously is sent in one write.
 */
export class BodyWriter {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | null = null;
  #sink: BodySink | null = null;
  #drainWaiters: (() => void)[] = [];
  #endWaiters: (() => void)[] = [];
  #bytes = 0;
  #delivered = false;
  #deliveredWaiters: (() => void)[] = [];

  static of(body: Uint8Array | string | null): BodyWriter {
    const w = new BodyWriter();
    if (body !== null) w.write(typeof body === 'string' ? Buffer.from(body) : body);
    w.end();
    return w;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get error(): Error | null {
    return this.#error;
  }

  get bytesWritten(): number {
    return this.#bytes;
  }

  /** How many bytes may be written before the writer asks the guest to wait. */
  get capacity(): number {
    if (this.#ended || this.#error) return 0;
    return Math.max(0, HIGH_WATER - this.#buffered);
  }

  /** Buffered chunks before attach (the adapter sends them at once when the body has ended). */
  takeBuffered(): Uint8Array[] {
    const c = this.#chunks;
    this.#chunks = [];
    this.#buffered = 0;
    return c;
  }

  write(chunk: Uint8Array): void {
    if (this.#ended) throw new Error('write after end of response body');
    if (chunk.length === 0) return;
    this.#bytes += chunk.length;
    if (this.#sink) {
      if (!this.#sink.write(chunk)) this.#buffered = HIGH_WATER;
    } else {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sink?.end();
    for (const w of this.#endWaiters.splice(0)) w();
    this.#wakeDrain();
  }

  fail(err: Error): void {
    if (this.#ended || this.#error) return;
    this.#error = err;
    this.#sink?.fail(err);
    for (const w of this.#endWaiters.splice(0)) w();
    this.#wakeDrain();
  }

  whenDone(): Promise<void> {
    if (this.#ended || this.#error) return Promise.resolve();
    return new Promise((r) => this.#endWaiters.push(r));
  }

  /** Ended but not yet with the client (a slow reader past the deadline): the sending is cut off. */
  cutOff(err: Error): void {
    if (!this.#ended || this.#error || this.#delivered || this.#sink === null) return;
    this.#error = err;
    this.#sink.fail(err);
  }

  /** The adapter has handed the whole body to the kernel, or the client is gone: nothing is held now. */
  delivered(): void {
    if (this.#delivered) return;
    this.#delivered = true;
    for (const w of this.#deliveredWaiters.splice(0)) w();
  }

  whenDelivered(): Promise<void> {
    if (this.#delivered) return Promise.resolve();
    return new Promise((r) => this.#deliveredWaiters.push(r));
  }

  /** Resolves when there is capacity again. */
  drained(): Promise<void> {
    if (this.capacity > 0) return Promise.resolve();
    return new Promise((r) => this.#drainWaiters.push(r));
  }

  #wakeDrain(): void {
    for (const w of this.#drainWaiters.splice(0)) w();
  }

  attach(sink: BodySink): void {
    this.#sink = sink;
    for (const c of this.takeBuffered()) sink.write(c);
    sink.onDrain(() => {
      this.#buffered = 0;
      this.#wakeDrain();
    });
    if (this.#error) sink.fail(this.#error);
    else if (this.#ended) sink.end();
  }
}
