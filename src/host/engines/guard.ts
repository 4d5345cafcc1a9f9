// Keeps running guests to their deadline and to a time slice: instrumented modules call their clock's
// hook each time their fuel runs out (src/host/engines/wasm/instrument.ts), and a guest whose slice is used up
// suspends (JSPI) until the event loop has served its sockets, as wasmtime's epoch yield does.

import { WasmkubeError } from '../../errors.ts';
import { type InterruptHook, makeYieldingHook } from './wasm/interrupt.ts';

/** Loop iterations between two clock reads: cheap enough, and a read every ~10 µs of guest work. */
export const FUEL = 20_000;

/**
 * How long guests may run on a thread before it serves its sockets again. Short enough that probes
 * and other services' requests never wait behind a busy guest for long, long enough that a switch
 * (~2 µs) costs nothing measurable.
 */
export const TIME_SLICE_MS = 2;

/**
 * How long a guest may run where it cannot yield: inside its allocator while the host lowers a host
 * call's result into it (a JS frame is below it, and JSPI suspends wasm frames only). No allocator
 * needs that long; one that loops there is stopped instead of holding the thread to its deadline.
 */
export const NO_YIELD_LIMIT_MS = 100;

export class DeadlineExceeded extends WasmkubeError {
  constructor(timeoutMs: number) {
    super('GUEST_DEADLINE', `the guest ran past its ${timeoutMs} ms deadline and was stopped`, {
      fix: 'make the handler faster or raise limits.timeout in wasmkube.yaml',
    });
  }
}

class Unyielding extends WasmkubeError {
  constructor() {
    super(
      'GUEST_DEADLINE',
      `the guest ran over ${NO_YIELD_LIMIT_MS} ms inside a host call without yielding its thread and was stopped`,
      { fix: "the guest's allocator (cabi_realloc) loops or runs too long: it must return promptly" },
    );
  }
}

interface Waiter {
  readonly group: RunGroup;
  /** The suspended guest; undefined for a request waiting its turn to make an instance. */
  readonly clock: GuestClock | undefined;
  readonly resolve: (fuel: number) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * The guests of one service on this thread. The run queue takes turns between services first, then
 * between a service's guests, so a flood of one service's guests gets the thread as often as another
 * service's single guest does (per-service fairness, not per-guest).
 */
export class RunGroup {
  readonly waiting: Waiter[] = [];
  /** In the ring of groups with waiters. */
  queued = false;
}

/*
 * One run queue per thread. Guests that used up the slice wait in their group in arrival order; one is
 * resumed per event-loop turn (from setImmediate, so the poll phase, where sockets are served, runs
 * between two of them). The slice is the thread's, not a guest's: a guest arriving while others wait
 * yields at its first check.
 */
const ring: RunGroup[] = [];
let waitingTotal = 0;
let sliceEnd = Number.NEGATIVE_INFINITY;
const sliceMs = TIME_SLICE_MS;
let scheduled = false;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(resumeNext);
}

function enqueue(w: Waiter): void {
  const g = w.group;
  g.waiting.push(w);
  waitingTotal++;
  if (!g.queued) {
    g.queued = true;
    ring.push(g);
  }
  schedule();
}

function remove(w: Waiter): void {
  const g = w.group;
  const i = g.waiting.indexOf(w);
  if (i === -1) return;
  g.waiting.splice(i, 1);
  waitingTotal--;
  if (g.waiting.length === 0 && g.queued) {
    g.queued = false;
    ring.splice(ring.indexOf(g), 1);
  }
}

function resumeNext(): void {
  scheduled = false;
  const now = performance.now();
  for (;;) {
    const g = ring.shift();
    if (g === undefined) return;
    const w = g.waiting.shift()!;
    waitingTotal--;
    // Its turn taken, the service goes to the back of the ring.
    if (g.waiting.length > 0) ring.push(g);
    else g.queued = false;
    const c = w.clock;
    if (c !== undefined) {
      c.waiter = undefined;
      if (c.stopped !== undefined || now > c.deadline) {
        // Unwinds through the hook's fallback, which throws the reason; that costs no one a slice.
        w.reject(c.stopped);
        continue;
      }
      c.unyieldingSince = -1;
    }
    sliceEnd = now + sliceMs;
    if (c !== undefined) running = c;
    w.resolve(FUEL);
    break;
  }
  if (waitingTotal > 0) schedule();
}

/**
 * Synchronous work for a guest that no fuel check can interrupt (making a component instance, ~5 ms in
 * jco's glue) waits for its service's turn while other guests wait for theirs, so that a burst of such
 * requests cannot hold the thread either. Undefined (go now) when nothing waits.
 */
export function takeTurn(group: RunGroup): Promise<unknown> | undefined {
  if (waitingTotal === 0) return undefined;
  return new Promise((resolve) => enqueue({ group, clock: undefined, resolve, reject: resolve }));
}

/**
 * The deadline and interrupt hook of one instance (its core modules share it). `enter` before each
 * call into the guest, `leave` after; `stop` ends the guest at its next check, or at once if it waits
 * for its slice. The hook only reads the clock when fuel runs out.
 */
/** The clock of the guest that runs on this thread now (entered, or resumed from the run queue). */
let running: GuestClock | undefined;

/** The deadline of the guest code running now (performance.now() ms), for host calls that wait. */
export function guestDeadline(): { readonly at: number; readonly timeoutMs: number } {
  return running === undefined
    ? { at: Number.POSITIVE_INFINITY, timeoutMs: 0 }
    : { at: running.deadline, timeoutMs: running.timeoutMs };
}

export class GuestClock {
  deadline = Number.POSITIVE_INFINITY;
  timeoutMs = 0;
  /** Why the guest must stop (its request was aborted); thrown at its next check. */
  stopped: unknown = undefined;
  /** Set while it waits in the run queue. */
  waiter: Waiter | undefined = undefined;
  /** When it first failed to suspend since it last yielded; -1 when it has not. */
  unyieldingSince = -1;
  /** Its first check since `enter` has not come yet. */
  #fresh = true;
  readonly hook: InterruptHook;
  /** Whose turn it takes in the run queue: its service's. */
  readonly group: RunGroup;

  constructor(group: RunGroup = new RunGroup()) {
    this.group = group;
    this.hook = makeYieldingHook(
      () => this.#check(),
      () => this.#fallback(),
    );
  }

  enter(deadline: number, timeoutMs: number): void {
    running = this;
    this.deadline = deadline;
    this.timeoutMs = timeoutMs;
    this.stopped = undefined;
    this.unyieldingSince = -1;
    this.#fresh = true;
  }

  leave(): void {
    if (running === this) running = undefined;
    this.deadline = Number.POSITIVE_INFINITY;
    this.#dequeue();
  }

  stop(reason: unknown): void {
    this.stopped = reason ?? new WasmkubeError('INTERNAL', 'the guest was stopped');
    const w = this.waiter;
    if (w) {
      this.#dequeue();
      w.reject(this.stopped);
    }
  }

  #dequeue(): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    remove(w);
  }

  #check(): number | Promise<number> {
    if (this.stopped !== undefined) throw this.stopped;
    const now = performance.now();
    if (now > this.deadline) throw new DeadlineExceeded(this.timeoutMs);
    // Outside a request (start functions the glue runs while it instantiates) there is no promising
    // call to suspend to.
    if (now < sliceEnd || this.deadline === Number.POSITIVE_INFINITY) return FUEL;
    if (this.#fresh && waitingTotal === 0) {
      // Nothing else wants the thread: a guest that starts now gets a slice of its own.
      this.#fresh = false;
      sliceEnd = now + sliceMs;
      return FUEL;
    }
    this.#fresh = false;
    return new Promise<number>((resolve, reject) => {
      const w = { group: this.group, clock: this, resolve, reject };
      this.waiter = w;
      enqueue(w);
    });
  }

  /** The hook could not suspend (a JS frame below), or `#check` threw or was rejected. */
  #fallback(): number {
    // A failed suspension leaves its promise queued: it is not waiting after all.
    const failedToSuspend = this.waiter !== undefined;
    this.#dequeue();
    if (this.stopped !== undefined) throw this.stopped;
    const now = performance.now();
    if (now > this.deadline) throw new DeadlineExceeded(this.timeoutMs);
    if (failedToSuspend) {
      if (this.unyieldingSince < 0) this.unyieldingSince = now;
      else if (now - this.unyieldingSince > NO_YIELD_LIMIT_MS) throw new Unyielding();
    }
    return FUEL;
  }
}
