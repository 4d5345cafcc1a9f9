// WASI preview1 for CGI-style guests: args, environment, stdin from memory, stdout captured, stderr to
// the log, clocks, random, poll_oneoff, and the service's preopened files (preview1-files.ts). No sockets.

import { randomFillSync } from 'node:crypto';
import { type FilesGrant, NO_FILES } from '../../files/grant.ts';
import { pollOneoff } from './poll.ts';
import { createFileCalls } from './preview1-files.ts';

const ESUCCESS = 0;
const EBADF = 8;
const ESPIPE = 70;
const ENOTDIR = 54;
const ENOTSUP = 58;
const ENOSYS = 52;
const ENOTSOCK = 57;
const EINVAL = 28;

/** Thrown by proc_exit; unwinds the guest back to the engine. */
export class ProcExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`guest exited with code ${code}`);
    this.code = code;
  }
}

export interface Preview1Options {
  readonly args: readonly string[];
  /** `KEY=value` strings, or a function that makes them when the guest first asks. */
  readonly env: readonly string[] | (() => readonly string[]);
  readonly stdin: Uint8Array;
  readonly stdout: (chunk: Uint8Array) => void;
  readonly stderr: (chunk: Uint8Array) => void;
}

/** NUL-terminated strings in one buffer (one allocation per request, not one per variable). */
interface Encoded {
  readonly count: number;
  readonly all: Uint8Array;
}

function encodeStrings(list: readonly string[]): Encoded {
  return {
    count: list.length,
    all: list.length === 0 ? new Uint8Array(0) : Buffer.from(`${list.join('\0')}\0`),
  };
}

/**
 * Builds the `wasi_snapshot_preview1` import object; `bind(memory)` must be called after instantiation.
 * `reset(next)` points the same imports at another request, for an instance that serves again.
 */
/**
 * `suspending`: the guest is called through `WebAssembly.promising` (the WAGI engine), so a sleep in
 * poll_oneoff suspends the guest instead of blocking the thread.
 */
export function createPreview1(first: Preview1Options, grant: FilesGrant = NO_FILES, suspending = false) {
  let opts = first;
  let memory: WebAssembly.Memory | null = null;
  let stdinOffset = 0;
  // Encoded when the guest first asks: many guests never read their environment.
  let argsEncoded: Encoded | undefined;
  let envEncoded: Encoded | undefined;
  const args = () => {
    argsEncoded ??= encodeStrings(opts.args);
    return argsEncoded;
  };
  const env = () => {
    envEncoded ??= encodeStrings(typeof opts.env === 'function' ? opts.env() : opts.env);
    return envEncoded;
  };
  const view = () => new DataView(memory!.buffer);
  const bytes = () => new Uint8Array(memory!.buffer);

  const files = createFileCalls(grant, { view, bytes });
  const fc = files.calls;
  /** sock_* on a WAGI guest: no fd is a socket, so EBADF for a closed one and ENOTSOCK for the rest. */
  const notSocket = (fd: number) => (fd <= 2 || files.has(fd) ? ENOTSOCK : EBADF);

  const writeStrings = (list: Encoded, ptrs: number, buf: number): number => {
    const dv = view();
    bytes().set(list.all, buf);
    let start = 0;
    for (let i = 0; i < list.count; i++) {
      dv.setUint32(ptrs + i * 4, buf + start, true);
      start = list.all.indexOf(0, start) + 1;
    }
    return ESUCCESS;
  };

  const imports: Record<string, (...a: never[]) => number | undefined | Promise<number>> = {
    // The file calls first: the stdio cases below take fds 0-2 and hand the rest to them.
    ...fc,
    args_sizes_get(argc: number, size: number) {
      view().setUint32(argc, args().count, true);
      view().setUint32(size, args().all.length, true);
      return ESUCCESS;
    },
    args_get: (ptrs: number, buf: number) => writeStrings(args(), ptrs, buf),
    environ_sizes_get(count: number, size: number) {
      view().setUint32(count, env().count, true);
      view().setUint32(size, env().all.length, true);
      return ESUCCESS;
    },
    environ_get: (ptrs: number, buf: number) => writeStrings(env(), ptrs, buf),
    clock_res_get(id: number, out: number) {
      if (id > 3) return EINVAL;
      view().setBigUint64(out, 1000n, true);
      return ESUCCESS;
    },
    clock_time_get(id: number, _precision: bigint, out: number) {
      if (id > 3) return EINVAL;
      const ns =
        id === 0
          ? BigInt(Date.now()) * 1_000_000n
          : BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      view().setBigUint64(out, ns, true);
      return ESUCCESS;
    },
    fd_write(fd: number, iovs: number, len: number, nwritten: number) {
      if (fd > 2) return fc.fd_write(fd, iovs, len, nwritten);
      if (fd !== 1 && fd !== 2) return EBADF;
      const dv = view();
      let total = 0;
      for (let i = 0; i < len; i++) {
        const ptr = dv.getUint32(iovs + i * 8, true);
        const n = dv.getUint32(iovs + i * 8 + 4, true);
        if (n === 0) continue;
        // Copy: the guest may reuse its buffer once we return.
        const chunk = bytes().slice(ptr, ptr + n);
        (fd === 1 ? opts.stdout : opts.stderr)(chunk);
        total += n;
      }
      dv.setUint32(nwritten, total, true);
      return ESUCCESS;
    },
    fd_read(fd: number, iovs: number, len: number, nread: number) {
      if (fd > 2) return fc.fd_read(fd, iovs, len, nread);
      if (fd !== 0) return EBADF;
      const dv = view();
      const mem = bytes();
      let total = 0;
      for (let i = 0; i < len && stdinOffset < opts.stdin.length; i++) {
        const ptr = dv.getUint32(iovs + i * 8, true);
        const n = Math.min(dv.getUint32(iovs + i * 8 + 4, true), opts.stdin.length - stdinOffset);
        mem.set(opts.stdin.subarray(stdinOffset, stdinOffset + n), ptr);
        stdinOffset += n;
        total += n;
      }
      dv.setUint32(nread, total, true);
      return ESUCCESS;
    },
    fd_fdstat_get(fd: number, out: number) {
      if (fd > 2) return fc.fd_fdstat_get(fd, out);
      const dv = view();
      dv.setUint8(out, 2); // character device
      dv.setUint16(out + 2, 0, true);
      dv.setBigUint64(out + 8, fd === 0 ? 2n : 64n, true); // fd_read / fd_write rights
      dv.setBigUint64(out + 16, 0n, true);
      return ESUCCESS;
    },
    fd_fdstat_set_flags: (fd: number, flags: number) =>
      fd <= 2 ? ESUCCESS : fc.fd_fdstat_set_flags(fd, flags),
    fd_close: (fd: number) => (fd <= 2 ? ESUCCESS : fc.fd_close(fd)),
    fd_seek: (fd: number, offset: bigint, whence: number, out: number) =>
      fd <= 2 ? ESPIPE : fc.fd_seek(fd, offset, whence, out),
    fd_tell: (fd: number, out: number) => (fd <= 2 ? ESPIPE : fc.fd_tell(fd, out)),
    fd_prestat_get: (fd: number, out: number) => (fd <= 2 ? EBADF : fc.fd_prestat_get(fd, out)),
    fd_prestat_dir_name: (fd: number, p: number, l: number) =>
      fd <= 2 ? EBADF : fc.fd_prestat_dir_name(fd, p, l),
    fd_filestat_get: (fd: number, out: number) => {
      if (fd > 2) return fc.fd_filestat_get(fd, out);
      view().setBigUint64(out, 0n, true);
      view().setBigUint64(out + 8, 0n, true);
      view().setUint8(out + 16, 2);
      for (let o = 24; o < 64; o += 8) view().setBigUint64(out + o, 0n, true);
      return ESUCCESS;
    },
    fd_renumber: (from: number, to: number) => (from <= 2 || to <= 2 ? ENOTSUP : fc.fd_renumber(from, to)),
    fd_sync: (fd: number) => (fd <= 2 ? EINVAL : fc.fd_sync(fd)),
    fd_datasync: (fd: number) => (fd <= 2 ? EINVAL : fc.fd_datasync(fd)),
    fd_advise: (fd: number, o: bigint, l: bigint, a: number) =>
      fd <= 2 ? ESPIPE : fc.fd_advise(fd, o, l, a),
    fd_allocate: (fd: number) => (fd <= 2 ? EBADF : fc.fd_allocate(fd)),
    fd_pread: (fd: number, iovs: number, len: number, off: bigint, out: number) =>
      fd <= 2 ? ESPIPE : fc.fd_pread(fd, iovs, len, off, out),
    fd_pwrite: (fd: number, iovs: number, len: number, off: bigint, out: number) =>
      fd <= 2 ? ESPIPE : fc.fd_pwrite(fd, iovs, len, off, out),
    fd_readdir: (fd: number, b: number, l: number, c: bigint, u: number) =>
      fd <= 2 ? ENOTDIR : fc.fd_readdir(fd, b, l, c, u),
    sock_accept: (fd: number) => notSocket(fd),
    sock_recv: (fd: number) => notSocket(fd),
    sock_send: (fd: number) => notSocket(fd),
    sock_shutdown: (fd: number) => notSocket(fd),
    random_get(buf: number, len: number) {
      randomFillSync(bytes(), buf, len);
      return ESUCCESS;
    },
    sched_yield: () => ESUCCESS,
    proc_exit(code: number) {
      throw new ProcExit(code);
    },
    proc_raise: () => ENOSYS,
    poll_oneoff: suspendingIf(suspending, (inPtr: number, outPtr: number, n: number, nevents: number) =>
      pollOneoff(
        {
          view,
          readable: (fd) =>
            fd === 0 ? BigInt(opts.stdin.length - stdinOffset) : fd <= 2 ? undefined : files.readable(fd),
          writable: (fd) => fd === 1 || fd === 2 || files.readable(fd) !== undefined,
        },
        inPtr,
        outPtr,
        n,
        nevents,
        suspending,
      ),
    ),
  };

  // Anything else a toolchain links answers ENOSYS instead of failing to link.
  const importObject = new Proxy(imports, {
    get: (target, name: string) => target[name] ?? (() => ENOSYS),
  });

  return {
    imports: importObject as WebAssembly.ModuleImports,
    bind(mem: WebAssembly.Memory) {
      memory = mem;
    },
    reset(next: Preview1Options) {
      files.reset();
      opts = next;
      stdinOffset = 0;
      argsEncoded = undefined;
      envEncoded = undefined;
    },
    /** Closes the files the guest opened: the instance is let go. */
    close() {
      files.close();
    },
  };
}

/** Node 24's JSPI (on by default); TypeScript's lib does not declare it yet. */
const JSPI = WebAssembly as unknown as { Suspending: new (fn: (...args: never[]) => unknown) => object };

/** `fn` as a JSPI suspending import (it may return a promise), or as it is. */
function suspendingIf<F extends (...args: never[]) => unknown>(suspending: boolean, fn: F): F {
  return suspending ? (new JSPI.Suspending(fn) as unknown as F) : fn;
}
