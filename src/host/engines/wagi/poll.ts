// preview1 poll_oneoff for WAGI guests: clock subscriptions sleep (Rust thread::sleep, Go time.Sleep,
// C nanosleep), bounded by the request's deadline; fd subscriptions on stdio and files are ready at once.
// In the host a sleeping guest suspends (JSPI) so its thread serves others meanwhile.

import { DeadlineExceeded, guestDeadline } from '../guard.ts';

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const EVENTTYPE_CLOCK = 0;
const EVENTTYPE_FD_READ = 1;
const EVENTTYPE_FD_WRITE = 2;
/** subclockflags.subscription_clock_abstime */
const ABSTIME = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export interface PollTarget {
  view(): DataView;
  /** Bytes ready to read on fd, or undefined when it is not open (or not readable). */
  readable(fd: number): bigint | undefined;
  writable(fd: number): boolean;
}

function nowNs(clock: number): bigint {
  return clock === 0
    ? BigInt(Date.now()) * 1_000_000n
    : BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

/** Blocks this thread (the guest is synchronous) until the earliest clock, or the request's deadline. */
function sleepNs(ns: bigint): void {
  const until = performance.now() + Number(ns) / 1e6;
  const deadline = guestDeadline();
  const wake = Math.min(until, deadline.at);
  for (;;) {
    const left = wake - performance.now();
    if (left <= 0) break;
    Atomics.wait(sleeper, 0, 0, left);
  }
  if (until > deadline.at) throw new DeadlineExceeded(deadline.timeoutMs);
}

/**
 * Resolves when the guest may go on: at the earliest clock, or at the request's deadline (then rejects);
 * undefined when there is nothing to wait for.
 */
function sleepSuspending(ns: bigint): Promise<void> | undefined {
  const until = performance.now() + Number(ns) / 1e6;
  const deadline = guestDeadline();
  const wake = Math.min(until, deadline.at);
  const left = wake - performance.now();
  if (left <= 0) {
    if (until > deadline.at) throw new DeadlineExceeded(deadline.timeoutMs);
    return undefined;
  }
  return new Promise<void>((resolve, reject) => {
    setTimeout(() => {
      if (until > deadline.at) reject(new DeadlineExceeded(deadline.timeoutMs));
      else resolve();
    }, Math.ceil(left));
  });
}

interface PollEvent {
  userdata: bigint;
  error: number;
  type: number;
  nbytes: bigint;
}

function writeEvents(
  t: PollTarget,
  events: readonly PollEvent[],
  outPtr: number,
  neventsPtr: number,
): number {
  const out = t.view();
  events.forEach((e, i) => {
    const o = outPtr + i * 32;
    out.setBigUint64(o, e.userdata, true);
    out.setUint16(o + 8, e.error, true);
    out.setUint8(o + 10, e.type);
    out.setBigUint64(o + 16, e.nbytes, true);
    out.setUint16(o + 24, 0, true);
  });
  out.setUint32(neventsPtr, events.length, true);
  return ESUCCESS;
}

/**
 * `suspend`: the guest runs under `WebAssembly.promising` and this import is `WebAssembly.Suspending`,
 * so a sleep returns a promise and only the guest waits; otherwise the thread blocks (standalone use).
 */
export function pollOneoff(
  t: PollTarget,
  inPtr: number,
  outPtr: number,
  n: number,
  neventsPtr: number,
  suspend = false,
): number | Promise<number> {
  if (n === 0) return EINVAL;
  const dv = t.view();
  const events: PollEvent[] = [];
  let soonest: { userdata: bigint; ns: bigint } | undefined;
  for (let i = 0; i < n; i++) {
    const s = inPtr + i * 48;
    const userdata = dv.getBigUint64(s, true);
    const tag = dv.getUint8(s + 8);
    if (tag === EVENTTYPE_CLOCK) {
      const clock = dv.getUint32(s + 16, true);
      if (clock > 3) {
        events.push({ userdata, error: EINVAL, type: tag, nbytes: 0n });
        continue;
      }
      const timeout = dv.getBigUint64(s + 24, true);
      const flags = dv.getUint16(s + 40, true);
      const ns = flags & ABSTIME ? timeout - nowNs(clock) : timeout;
      const wait = ns < 0n ? 0n : ns;
      if (soonest === undefined || wait < soonest.ns) soonest = { userdata, ns: wait };
    } else if (tag === EVENTTYPE_FD_READ || tag === EVENTTYPE_FD_WRITE) {
      const fd = dv.getUint32(s + 16, true);
      if (tag === EVENTTYPE_FD_READ) {
        const ready = t.readable(fd);
        events.push({ userdata, error: ready === undefined ? EBADF : 0, type: tag, nbytes: ready ?? 0n });
      } else {
        events.push({ userdata, error: t.writable(fd) ? 0 : EBADF, type: tag, nbytes: 0n });
      }
    } else {
      return EINVAL;
    }
  }
  if (events.length === 0 && soonest !== undefined) {
    events.push({ userdata: soonest.userdata, error: 0, type: EVENTTYPE_CLOCK, nbytes: 0n });
    if (suspend) {
      const waited = sleepSuspending(soonest.ns);
      if (waited) return waited.then(() => writeEvents(t, events, outPtr, neventsPtr));
    } else sleepNs(soonest.ns);
  }
  return writeEvents(t, events, outPtr, neventsPtr);
}
