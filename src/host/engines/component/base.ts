// The rest of wasi:http/proxy's imports, in the host: clocks, random, cli (environment, stdio to the
// log, exit). The filesystem is filesystem.ts.

import { randomBytes, randomFillSync } from 'node:crypto';
import type { HttpState } from './http.ts';
import { InputStream, type OutputSink, OutputStream, Pollable } from './io.ts';

export class GuestExit extends Error {
  readonly status: { tag: 'ok' | 'err' };
  constructor(status: { tag: 'ok' | 'err' }) {
    super(`guest called wasi:cli/exit with ${status.tag}`);
    this.status = status;
  }
}

export interface BaseImportOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  readonly stdout: OutputSink;
  readonly stderr: OutputSink;
}

/** The most bytes a guest may ask the host to make in one call: the host, not the guest, would pay. */
const MAX_HOST_ALLOCATION = 16 * 1024 * 1024;

function boundedLength(len: bigint): number {
  if (len > BigInt(MAX_HOST_ALLOCATION)) {
    throw new WebAssembly.RuntimeError(
      `guest asked the host for ${len} random bytes (at most ${MAX_HOST_ALLOCATION})`,
    );
  }
  return Number(len);
}

export function baseImports(opts: BaseImportOptions, state: HttpState) {
  const env = Object.entries(opts.env);
  const stdout = new OutputStream(opts.stdout, null);
  const stderr = new OutputStream(opts.stderr, null);
  const stdin = new InputStream(null, null);
  const wallNow = () => {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
  };
  return {
    'wasi:clocks/monotonic-clock': {
      now: () => process.hrtime.bigint(),
      resolution: () => 1n,
      subscribeInstant: (at: bigint) => Pollable.at(at, state),
      subscribeDuration: (ns: bigint) => Pollable.at(process.hrtime.bigint() + ns, state),
    },
    'wasi:clocks/wall-clock': {
      now: wallNow,
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:random/random': {
      getRandomBytes: (len: bigint) => randomBytes(boundedLength(len)),
      getRandomU64: () => randomFillSync(new BigUint64Array(1))[0]!,
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (len: bigint) => randomBytes(boundedLength(len)),
      getInsecureRandomU64: () => randomFillSync(new BigUint64Array(1))[0]!,
    },
    'wasi:random/insecure-seed': {
      insecureSeed: () => [
        randomFillSync(new BigUint64Array(1))[0]!,
        randomFillSync(new BigUint64Array(1))[0]!,
      ],
    },
    'wasi:cli/environment': {
      getEnvironment: () => env,
      getArguments: () => opts.args,
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: 'ok' | 'err' }) => {
        throw new GuestExit(status);
      },
    },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput: class {} },
    'wasi:cli/terminal-output': { TerminalOutput: class {} },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
  };
}
