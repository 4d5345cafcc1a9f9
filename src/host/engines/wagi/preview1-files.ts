// preview1's file calls for WAGI guests: a table of open descriptors (fd 3 and up) over the service's
// preopens (files/handles.ts), reset to just the preopens before each request a resident instance serves.

import { ERRNO, FsError, toFsError } from '../../files/errors.ts';
import type { FilesGrant } from '../../files/grant.ts';
import {
  DirHandle,
  type FileHandle,
  type FileStat,
  type FileType,
  type NewTime,
} from '../../files/handles.ts';

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const EISDIR = 31;
const ENAMETOOLONG = 37;
const ENOTDIR = 54;
const ENOTSUP = 58;
const EMFILE = 33;
const EOVERFLOW = 61;

/** Open descriptors per instance: a guest that leaks them gets EMFILE, not the host's fds. */
const MAX_OPEN = 256;
const ENOTCAPABLE = 76;
const bits = (...b: number[]) => b.reduce((a, n) => a | (1n << BigInt(n)), 0n);
/** The rights preview1 reports (as wasmtime does): access itself is checked on the open file. */
const FILE_RIGHTS = bits(0, 1, 2, 3, 4, 5, 6, 7, 8, 21, 22, 23, 27);
const DIR_RIGHTS = bits(0, 3, 4, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 23, 24, 25, 26);
const WRITE_RIGHTS = bits(6, 8, 22);
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_READDIR = 1n << 14n;
const RIGHT_FD_WRITE = 1n << 6n;
const RIGHT_FD_ALLOCATE = 1n << 8n;
const RIGHT_FD_FILESTAT_SET_SIZE = 1n << 22n;

const FILETYPE: Readonly<Record<FileType, number>> = {
  unknown: 0,
  'block-device': 1,
  'character-device': 2,
  directory: 3,
  'regular-file': 4,
  socket: 6,
  'symbolic-link': 7,
  fifo: 0,
};

interface Memory {
  view(): DataView;
  bytes(): Uint8Array;
}

interface Entry {
  readonly handle: DirHandle | FileHandle;
  readonly preopen?: string;
  base: bigint;
  inheriting: bigint;
  /** fdflags besides append (dsync, rsync, sync), reported as given. */
  flags?: number;
}

function rightsOf(h: DirHandle | FileHandle): bigint {
  if (h.kind === 'dir') return DIR_RIGHTS;
  let r = FILE_RIGHTS;
  if (!h.writable) r &= ~WRITE_RIGHTS;
  if (!h.readable) r &= ~RIGHT_FD_READ;
  return r;
}

const debug = process.env.WASMKUBE_FS_DEBUG !== undefined;

function errno(err: unknown): number {
  if (debug) process.stderr.write(`preview1 files: ${err instanceof Error ? err.stack : err}\n`);
  if (err instanceof FsError) return ERRNO[err.code];
  if (err instanceof WebAssembly.RuntimeError) throw err;
  if (err instanceof RangeError) return EINVAL;
  return ERRNO[toFsError(err).code];
}

function guard(fn: () => number): number {
  try {
    return fn();
  } catch (err) {
    return errno(err);
  }
}

/** The descriptor table and the preview1 calls on it; stdio (0-2) stays with preview1.ts. */
export function createFileCalls(grant: FilesGrant, mem: Memory) {
  const table = new Map<number, Entry>();
  const openPreopens = () => {
    grant.preopens.forEach((p, i) => {
      table.set(3 + i, {
        handle: DirHandle.forPreopen(grant, p),
        preopen: p.guestPath,
        base: DIR_RIGHTS,
        inheriting: DIR_RIGHTS | FILE_RIGHTS,
      });
    });
  };
  openPreopens();
  const firstFree = () => {
    if (table.size >= MAX_OPEN) return -1;
    let fd = 3;
    while (table.has(fd)) fd++;
    return fd;
  };
  const get = (fd: number): Entry => {
    const e = table.get(fd);
    if (!e) throw new FsError('bad-descriptor');
    return e;
  };
  const dir = (fd: number): DirHandle => {
    const h = get(fd).handle;
    if (h.kind !== 'dir') throw new FsError('not-directory');
    return h;
  };
  const file = (fd: number): FileHandle => {
    const h = get(fd).handle;
    if (h.kind !== 'file') throw new FsError(h.kind === 'dir' ? 'bad-descriptor' : 'bad-descriptor');
    return h;
  };
  const str = (ptr: number, len: number) =>
    Buffer.from(mem.bytes().subarray(ptr, ptr + len)).toString('utf8');
  const writeStat = (out: number, s: FileStat) => {
    const dv = mem.view();
    dv.setBigUint64(out, s.dev, true);
    dv.setBigUint64(out + 8, s.ino, true);
    dv.setUint8(out + 16, FILETYPE[s.type]);
    dv.setBigUint64(out + 24, s.nlink, true);
    dv.setBigUint64(out + 32, s.size, true);
    dv.setBigUint64(out + 40, s.atimNs, true);
    dv.setBigUint64(out + 48, s.mtimNs, true);
    dv.setBigUint64(out + 56, s.ctimNs, true);
  };
  const times = (atim: bigint, mtim: bigint, flags: number): [NewTime, NewTime] => {
    if ((flags & 1 && flags & 2) || (flags & 4 && flags & 8) || flags & ~15) throw new FsError('invalid');
    return [
      flags & 2 ? 'now' : flags & 1 ? atim : undefined,
      flags & 8 ? 'now' : flags & 4 ? mtim : undefined,
    ];
  };
  /** Moves bytes between a file and the guest's iovecs; `offset` null uses (and moves) the position. */
  const vectored = (
    fd: number,
    iovs: number,
    len: number,
    out: number,
    offset: bigint | null,
    write: boolean,
  ) =>
    guard(() => {
      const e = get(fd);
      const h = e.handle;
      if (h.kind === 'dir') return write ? EBADF : EISDIR;
      if ((e.base & (write ? RIGHT_FD_WRITE : RIGHT_FD_READ)) === 0n) return EBADF;
      const dv = mem.view();
      let total = 0;
      let at = offset === null ? null : Number(offset);
      for (let i = 0; i < len; i++) {
        const ptr = dv.getUint32(iovs + i * 8, true);
        const n = dv.getUint32(iovs + i * 8 + 4, true);
        if (n === 0) continue;
        const buf = mem.bytes().subarray(ptr, ptr + n);
        const done = write ? h.write(buf, at) : h.read(buf, at);
        total += done;
        if (at !== null) at += done;
        if (done < n) break;
      }
      mem.view().setUint32(out, total, true);
      return ESUCCESS;
    });
  /** The new fd, or -1 when the guest holds too many (the handle is closed). */
  const add = (handle: DirHandle | FileHandle, requested: bigint, inheriting: bigint): number => {
    const fd = firstFree();
    if (fd === -1) handle.close();
    else {
      const own = rightsOf(handle);
      table.set(fd, {
        handle,
        base: own & requested,
        inheriting: handle.kind === 'dir' ? inheriting & (DIR_RIGHTS | FILE_RIGHTS) : 0n,
      });
    }
    return fd;
  };

  const calls = {
    fd_prestat_get: (fd: number, out: number) =>
      guard(() => {
        const e = get(fd);
        if (e.preopen === undefined) return EBADF;
        mem.view().setUint8(out, 0);
        mem.view().setUint32(out + 4, Buffer.byteLength(e.preopen), true);
        return ESUCCESS;
      }),
    fd_prestat_dir_name: (fd: number, ptr: number, len: number) =>
      guard(() => {
        const e = get(fd);
        if (e.preopen === undefined) return EBADF;
        const name = Buffer.from(e.preopen);
        if (len < name.length) return ENAMETOOLONG;
        mem.bytes().set(name, ptr);
        return ESUCCESS;
      }),
    fd_fdstat_get: (fd: number, out: number) =>
      guard(() => {
        const e = get(fd);
        const h = e.handle;
        const dv = mem.view();
        dv.setUint8(out, h.kind === 'dir' ? 3 : 4);
        dv.setUint16(out + 2, (h.kind === 'file' && h.append ? 1 : 0) | (e.flags ?? 0), true);
        dv.setBigUint64(out + 8, e.base, true);
        dv.setBigUint64(out + 16, e.inheriting, true);
        return ESUCCESS;
      }),
    fd_fdstat_set_flags: (fd: number, flags: number) =>
      guard(() => {
        const h = get(fd).handle;
        if (h.kind === 'file') h.append = (flags & 1) !== 0;
        return ESUCCESS;
      }),
    fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) =>
      guard(() => {
        const e = get(fd);
        // Rights only ever shrink.
        if ((base & ~e.base) !== 0n || (inheriting & ~e.inheriting) !== 0n) return ENOTCAPABLE;
        e.base = base;
        e.inheriting = inheriting;
        return ESUCCESS;
      }),
    fd_filestat_get: (fd: number, out: number) =>
      guard(() => {
        writeStat(out, get(fd).handle.stat());
        return ESUCCESS;
      }),
    fd_filestat_set_size: (fd: number, size: bigint) =>
      guard(() => {
        if ((get(fd).base & RIGHT_FD_FILESTAT_SET_SIZE) === 0n && get(fd).handle.kind === 'file')
          return EBADF;
        file(fd).setSize(size);
        return ESUCCESS;
      }),
    fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) =>
      guard(() => {
        const [a, m] = times(atim, mtim, flags);
        get(fd).handle.setTimes(a, m);
        return ESUCCESS;
      }),
    fd_read: (fd: number, iovs: number, len: number, out: number) =>
      vectored(fd, iovs, len, out, null, false),
    fd_write: (fd: number, iovs: number, len: number, out: number) =>
      vectored(fd, iovs, len, out, null, true),
    fd_pread: (fd: number, iovs: number, len: number, offset: bigint, out: number) =>
      vectored(fd, iovs, len, out, offset, false),
    fd_pwrite: (fd: number, iovs: number, len: number, offset: bigint, out: number) =>
      vectored(fd, iovs, len, out, offset, true),
    fd_seek: (fd: number, offset: bigint, whence: number, out: number) =>
      guard(() => {
        const h = get(fd).handle;
        if (h.kind !== 'file') return EBADF;
        const base =
          whence === 0 ? 0n : whence === 1 ? BigInt(h.position) : whence === 2 ? h.stat().size : -1n;
        if (base < 0n) return EINVAL;
        const next = base + offset;
        if (next < 0n) return EINVAL;
        if (next > BigInt(Number.MAX_SAFE_INTEGER)) return EOVERFLOW;
        h.position = Number(next);
        mem.view().setBigUint64(out, next, true);
        return ESUCCESS;
      }),
    fd_tell: (fd: number, out: number) =>
      guard(() => {
        const h = get(fd).handle;
        if (h.kind !== 'file') return EBADF;
        mem.view().setBigUint64(out, BigInt(h.position), true);
        return ESUCCESS;
      }),
    fd_sync: (fd: number) =>
      guard(() => {
        const h = get(fd).handle;
        if (h.kind === 'file') h.sync(false);
        return ESUCCESS;
      }),
    fd_datasync: (fd: number) =>
      guard(() => {
        const h = get(fd).handle;
        if (h.kind === 'file') h.sync(true);
        return ESUCCESS;
      }),
    fd_advise: (fd: number, _offset: bigint, _len: bigint, advice: number) =>
      guard(() => {
        const h = get(fd).handle;
        if (advice > 5) return EINVAL;
        return h.kind === 'dir' ? EBADF : ESUCCESS;
      }),
    fd_allocate: (fd: number) =>
      guard(() => {
        const h = get(fd).handle;
        return h.kind === 'dir' ? EBADF : ENOTSUP;
      }),
    fd_close: (fd: number) =>
      guard(() => {
        get(fd).handle.close();
        table.delete(fd);
        return ESUCCESS;
      }),
    fd_renumber: (from: number, to: number) =>
      guard(() => {
        const e = get(from);
        const old = get(to);
        if (from === to) return ESUCCESS;
        old.handle.close();
        table.set(to, e);
        table.delete(from);
        return ESUCCESS;
      }),
    fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, usedOut: number) =>
      guard(() => {
        const d = dir(fd);
        const self = d.stat();
        const entries = [
          { name: '.', type: 'directory' as FileType, ino: self.ino },
          { name: '..', type: 'directory' as FileType, ino: 0n },
          ...d.readdir(),
        ];
        let used = 0;
        const out = mem.bytes().subarray(buf, buf + bufLen);
        for (let i = Number(cookie); i < entries.length && used < bufLen; i++) {
          const e = entries[i]!;
          const name = Buffer.from(e.name);
          const head = Buffer.alloc(24);
          head.writeBigUInt64LE(BigInt(i + 1), 0);
          head.writeBigUInt64LE(e.ino, 8);
          head.writeUInt32LE(name.length, 16);
          head.writeUInt8(FILETYPE[e.type], 20);
          const whole = Buffer.concat([head, name]);
          const n = Math.min(whole.length, bufLen - used);
          out.set(whole.subarray(0, n), used);
          used += n;
        }
        mem.view().setUint32(usedOut, used, true);
        return ESUCCESS;
      }),
    path_open: (
      fd: number,
      dirflags: number,
      ptr: number,
      len: number,
      oflags: number,
      rights: bigint,
      inheriting: bigint,
      fdflags: number,
      out: number,
    ) =>
      guard(() => {
        const d = dir(fd);
        const wantsWrite =
          (rights & (RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE)) !== 0n ||
          (fdflags & 1) !== 0;
        const wantsRead = (rights & (RIGHT_FD_READ | RIGHT_FD_READDIR)) !== 0n || !wantsWrite;
        const directory = (oflags & 2) !== 0;
        if (directory && (oflags & 8) !== 0) return EINVAL;
        const handle = d.openAt(str(ptr, len), {
          followSymlinks: (dirflags & 1) !== 0,
          create: (oflags & 1) !== 0,
          directory,
          exclusive: (oflags & 4) !== 0,
          truncate: (oflags & 8) !== 0,
          read: wantsRead,
          write: wantsWrite,
          // Without O_DIRECTORY, write rights on a directory are a cap, not a request: it opens.
          directoryAnyway: !directory,
          append: (fdflags & 1) !== 0,
        });
        if (directory && handle.kind !== 'dir') {
          handle.close();
          return ENOTDIR;
        }
        const opened = add(handle, rights, inheriting);
        if (opened === -1) return EMFILE;
        if (handle.kind === 'file') table.get(opened)!.flags = fdflags & (2 | 8 | 16);
        mem.view().setUint32(out, opened, true);
        return ESUCCESS;
      }),
    path_filestat_get: (fd: number, flags: number, ptr: number, len: number, out: number) =>
      guard(() => {
        writeStat(out, dir(fd).statAt(str(ptr, len), (flags & 1) !== 0));
        return ESUCCESS;
      }),
    path_filestat_set_times: (
      fd: number,
      flags: number,
      ptr: number,
      len: number,
      atim: bigint,
      mtim: bigint,
      fst: number,
    ) =>
      guard(() => {
        const [a, m] = times(atim, mtim, fst);
        dir(fd).setTimesAt(str(ptr, len), (flags & 1) !== 0, a, m);
        return ESUCCESS;
      }),
    path_create_directory: (fd: number, ptr: number, len: number) =>
      guard(() => {
        dir(fd).mkdirAt(str(ptr, len));
        return ESUCCESS;
      }),
    path_remove_directory: (fd: number, ptr: number, len: number) =>
      guard(() => {
        dir(fd).removeAt(str(ptr, len), true);
        return ESUCCESS;
      }),
    path_unlink_file: (fd: number, ptr: number, len: number) =>
      guard(() => {
        dir(fd).removeAt(str(ptr, len), false);
        return ESUCCESS;
      }),
    path_rename: (fd: number, op: number, ol: number, nfd: number, np: number, nl: number) =>
      guard(() => {
        dir(fd).renameAt(str(op, ol), dir(nfd), str(np, nl));
        return ESUCCESS;
      }),
    path_symlink: (op: number, ol: number, fd: number, np: number, nl: number) =>
      guard(() => {
        dir(fd).symlinkAt(str(op, ol), str(np, nl));
        return ESUCCESS;
      }),
    path_link: (ofd: number, flags: number, op: number, ol: number, nfd: number, np: number, nl: number) =>
      guard(() => {
        dir(ofd).linkAt(str(op, ol), (flags & 1) !== 0, dir(nfd), str(np, nl));
        return ESUCCESS;
      }),
    path_readlink: (fd: number, ptr: number, len: number, buf: number, bufLen: number, usedOut: number) =>
      guard(() => {
        const target = Buffer.from(dir(fd).readlinkAt(str(ptr, len)));
        const n = Math.min(target.length, bufLen);
        mem.bytes().set(target.subarray(0, n), buf);
        mem.view().setUint32(usedOut, n, true);
        return ESUCCESS;
      }),
  };

  return {
    calls,
    /** Whether `fd` is open (for sock_* errnos). */
    has: (fd: number) => table.has(fd),
    /** Size of an open regular file, for poll_oneoff's fd_read events. */
    readable: (fd: number): bigint | undefined => {
      const h = table.get(fd)?.handle;
      if (h?.kind !== 'file') return undefined;
      return h.stat().size - BigInt(h.position);
    },
    /** Back to just the preopens: what a request left open is closed. */
    reset(): void {
      for (const e of table.values()) e.handle.close();
      table.clear();
      openPreopens();
    },
    /** Closes everything (the instance is let go). */
    close(): void {
      for (const e of table.values()) e.handle.close();
      table.clear();
    },
  };
}

export type FileCalls = ReturnType<typeof createFileCalls>;
