// Request cancellation for the hot path: a plain object with a listener list instead of an
// AbortController (EventTarget costs microseconds per request), and one shared timer for all deadlines.

/** Why a request stops early: its deadline passed, or its client went away. */
export class Cancel {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const fn of listeners) fn();
  }

  /** Calls `fn` once when aborted; never if already aborted (check `aborted` first). */
  onAbort(fn: () => void): void {
    if (this.aborted) return;
    if (this.#listeners) this.#listeners.push(fn);
    else this.#listeners = [fn];
  }

  off(fn: () => void): void {
    const l = this.#listeners;
    if (!l) return;
    const i = l.lastIndexOf(fn);
    if (i !== -1) l.splice(i, 1);
  }

  /** Settles like `p`, or rejects with the reason as soon as this is aborted. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      const stop = () => reject(this.reason);
      this.onAbort(stop);
      p.then(
        (v) => {
          this.off(stop);
          resolve(v);
        },
        (err: unknown) => {
          this.off(stop);
          reject(err);
        },
      );
    });
  }
}

interface Entry {
  readonly at: number;
  readonly cancel: Cancel;
  readonly error: () => Error;
}

/**
 * Deadlines of all in-flight requests, checked by one timer every `tickMs` while any is pending: a
 * deadline fires at most one tick late, and a request costs a Set insert instead of a timer.
 * Guests that run (rather than wait) are stopped on time by their interrupt checks.
 */
export class Deadlines {
  readonly #entries = new Set<Entry>();
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(tickMs = 10) {
    this.#tickMs = tickMs;
  }

  add(at: number, cancel: Cancel, error: () => Error): Entry {
    const entry = { at, cancel, error };
    this.#entries.add(entry);
    this.#timer ??= setInterval(() => this.#sweep(), this.#tickMs);
    return entry;
  }

  delete(entry: Entry): void {
    this.#entries.delete(entry);
  }

  #sweep(): void {
    // Stopped on an idle tick, not on every delete: a busy host would otherwise re-arm it per request.
    if (this.#entries.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = performance.now();
    for (const e of this.#entries) {
      if (e.at > now) continue;
      this.delete(e);
      e.cancel.abort(e.error());
    }
  }
}
