// Bridges between the host's body types and Node streams for outbound calls: what a guest writes
// (BodyWriter) becomes a Readable for undici or an in-process callee, with backpressure both ways.

import { Readable } from 'node:stream';
import { type BodyWriter, concatBytes } from '../body.ts';

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
