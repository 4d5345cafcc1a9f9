// Guest stdout/stderr as log lines within a per-request byte budget (both engines): past it lines are
// dropped and counted, so a chatty guest costs the log a bounded amount per request.

import type { EngineEvents } from '../core/engine.ts';
import { LineSplitter } from './line-splitter.ts';

/** Bytes of guest log lines (stdout and stderr together) logged per request; the rest is counted. */
export const LOG_BUDGET_BYTES = 64 * 1024;

/** What is left of one request's budget; shared by its stdout and stderr. */
export class LogBudget {
  readonly bytes: number;
  #requestId: string | undefined;
  #left: number;

  constructor(bytes = LOG_BUDGET_BYTES) {
    this.bytes = bytes;
    this.#left = bytes;
  }

  /** A new request starts with the whole budget (an instance serves requests one after another). */
  #for(requestId: string | undefined): void {
    if (requestId === this.#requestId) return;
    this.#requestId = requestId;
    this.#left = this.bytes;
  }

  spent(requestId: string | undefined): boolean {
    this.#for(requestId);
    return this.#left <= 0;
  }

  /** Takes `n` bytes; false (and the budget is spent) when they do not fit. */
  take(requestId: string | undefined, n: number): boolean {
    this.#for(requestId);
    if (n > this.#left) {
      this.#left = 0;
      return false;
    }
    this.#left -= n;
    return true;
  }
}

/** One guest stream cut into log lines, each taken from the request's budget. */
export class BudgetedLog {
  readonly #lines: LineSplitter;
  readonly #budget: LogBudget;
  readonly #requestId: () => string | undefined;
  readonly #events: EngineEvents;
  #dropped = 0;

  constructor(
    stream: 'stdout' | 'stderr',
    events: EngineEvents,
    budget: LogBudget,
    requestId: () => string | undefined,
  ) {
    this.#budget = budget;
    this.#requestId = requestId;
    this.#events = events;
    this.#lines = new LineSplitter((line) => {
      const id = this.#requestId();
      if (this.#budget.take(id, line.length + 1)) events.guestLog(stream, line, id);
      else this.#dropped++;
    });
  }

  push(chunk: Uint8Array): void {
    const id = this.#requestId();
    if (this.#budget.spent(id)) {
      // Nothing more is logged for this request: lines are counted without being decoded.
      let n = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
      this.#dropped += n;
    } else this.#lines.push(chunk);
    this.#report(id);
  }

  flush(): void {
    this.#lines.flush();
    this.#report(this.#requestId());
  }

  #report(requestId: string | undefined): void {
    if (this.#dropped === 0) return;
    const n = this.#dropped;
    this.#dropped = 0;
    this.#events.guestLogDropped?.(n, requestId);
  }
}
