// How the CLI talks to people: errors as `error[CODE]: message` plus the fix, never a stack trace
// (unless WASMKUBE_DEBUG is set), and the exit code from the error catalog.

import { isWasmkubeError } from '../errors.ts';

export function printError(err: unknown): number {
  if (isWasmkubeError(err)) {
    // Several problems at once: one per line, aligned under the first.
    process.stderr.write(`error[${err.code}]: ${err.message.replaceAll('\n', '\n  ')}\n`);
    if (err.fix) process.stderr.write(`  fix: ${err.fix.replaceAll('\n', '\n       ')}\n`);
    if (process.env.WASMKUBE_DEBUG && err.cause) process.stderr.write(`  cause: ${String(err.cause)}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? (process.env.WASMKUBE_DEBUG ? err.stack : err.message) : String(err);
  process.stderr.write(
    `error[INTERNAL]: ${message}\n  fix: this is a bug in wasmkube; rerun with WASMKUBE_DEBUG=1 and report it\n`,
  );
  return 70;
}

export function progress(line: string): void {
  process.stderr.write(`wasmkube: ${line}\n`);
}
