// Bridges between the host's body types and Node streams for outbound calls: what a guest writes
// (BodyWriter) becomes a Readable for undici or an in-process callee, with backpressure both ways.

import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { BodyReader, type BodyWriter, concatBytes } from '../core/body.ts';

/**
 * A body already complete when the call starts goes as one buffer (with a content-length); one still
 * being written streams (chunked), pulled as the receiver reads.
 */
export function writerBody(writer: BodyWriter): Buffer | Readable {
  if (writer.ended && !writer.error) {
    const parts = writer.takeBuffered();
    const whole = concatBytes(
      parts,
      parts.reduce((n, p) => n + p.length, 0),
    );
    return Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength);
  }
  return writerStream(writer);
}

export function writerStream(writer: BodyWriter): Readable {
  let drain: (() => void) | null = null;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      drain?.();
    },
  });
  writer.attach({
    write: (chunk) => stream.push(chunk),
    end: () => stream.push(null),
    fail: (err) => stream.destroy(err),
    onDrain: (cb) => {
      drain = cb;
    },
  });
  return stream;
}

/**
 * A BodyReader over what another service of this thread writes: the reader's source without a Node
 * stream in between (an in-process hand-over then costs a few listener calls, not a Readable).
 */
export function writerReader(writer: BodyWriter, limit: number): BodyReader {
  const source = new WriterSource();
  const reader = new BodyReader(source as unknown as Readable, limit);
  source.start(writer);
  return reader;
}

class WriterSource extends EventEmitter {
  #drain: (() => void) | null = null;
  #paused = false;

  start(writer: BodyWriter): void {
    writer.attach({
      write: (chunk) => {
        this.emit('data', chunk);
        return !this.#paused;
      },
      end: () => {
        this.emit('end');
        this.emit('close');
      },
      fail: (err) => {
        this.emit('error', err);
        this.emit('close');
      },
      onDrain: (cb) => {
        this.#drain = cb;
      },
    });
  }

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    if (this.#paused) {
      this.#paused = false;
      this.#drain?.();
    }
    return this;
  }
}
