// Bytes to a latin1 string (one char per byte), the form Node writes header bytes in, without touching
// `.buffer`: reading that of a small typed array makes V8 move it off its heap first, at a real cost.

export function latin1(bytes: Uint8Array, end = bytes.length): string {
  if (end <= 1024) return String.fromCharCode.apply(null, bytes.subarray(0, end) as unknown as number[]);
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
}
