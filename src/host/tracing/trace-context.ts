// W3C Trace Context: parses an incoming `traceparent`, makes new trace and span ids, and formats the
// header a guest and its outbound calls get. No dependency: ids are random bytes in hex.
// @see https://www.w3.org/TR/trace-context/#traceparent-header

import { randomFillSync } from 'node:crypto';

export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zero: the span this context names as parent. */
  readonly spanId: string;
  /** Two hex digits; bit 0 is `sampled`. */
  readonly flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A valid incoming traceparent, or undefined (absent, malformed, version ff, all-zero ids). */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value === undefined || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff') return undefined;
  // Version 00 has exactly four fields; a later version may append more, which are ignored.
  if (version === '00' && rest !== undefined) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, flags: flags! };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
}

const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}

export function newTraceId(): string {
  return randomHex(16);
}

export function newSpanId(): string {
  return randomHex(8);
}
