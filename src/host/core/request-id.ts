// Request ids: unique per process without a syscall per request: a random prefix per thread plus a
// counter, so ids sort by arrival within a thread and cost almost nothing.

import { randomBytes } from 'node:crypto';

export function requestIds(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}
