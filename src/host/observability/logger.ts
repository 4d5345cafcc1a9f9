// JSON logs with pino (one line per record, written with one syscall so threads never interleave), or
// human-readable lines with pino-pretty when asked.

import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  /** @default 'json' */
  readonly format?: LogFormat;
  /** @default 'info' */
  readonly level?: LogLevel;
  /** Fields on every line, e.g. the worker number. */
  readonly base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    base: { ...opts.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (opts.format === 'pretty') {
    // Loaded only when asked for: JSON, the default, should not pay for it at every start.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino(options, pretty({ colorize: process.stdout.isTTY, sync: true, destination: 1 }));
  }
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
