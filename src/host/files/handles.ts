// Open files and directories of a guest, and every call on them, for both guest kinds: preview1 (WAGI)
// and wasi:filesystem (components) are thin layers over this. Each call resolves its path with
// resolve.ts and acts on the last component through its parent's fd, never following a symlink.

import {
  closeSync,
  constants,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { FsError, toFsError } from './errors.ts';
import { FileHandle } from './file-handle.ts';
import type { FilesGrant, HostFile, Preopen, TreeNode, VirtualDir } from './grant.ts';
import { at, type Frame, type Resolved, resolvePath } from './resolve.ts';
import {
  bigFstat,
  bigStat,
  type DirEntry,
  type FileStat,
  type NewTime,
  nodeStat,
  toTimeSec,
  typeOf,
  virtualStat,
} from './stat.ts';

export { FileHandle } from './file-handle.ts';
export type { DirEntry, FileStat, FileType, NewTime } from './stat.ts';

export interface OpenOptions {
  readonly followSymlinks: boolean;
  readonly create?: boolean;
  readonly exclusive?: boolean;
  readonly truncate?: boolean;
  readonly directory?: boolean;
  readonly read?: boolean;
  readonly write?: boolean;
  readonly append?: boolean;
  /** A directory opens (read-only) even when write was asked for: preview1's rights are caps. */
  readonly directoryAnyway?: boolean;
}

const DIR_OPEN = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Runs `fn` on a resolved path and closes what the lookup opened; host errors become FsErrors. */
function withResolved<T>(r: Resolved, fn: (r: Resolved) => T): T {
  try {
    return fn(r);
  } catch (err) {
    throw toFsError(err);
  } finally {
    r.release();
  }
}

function writableFrame(f: Frame): asserts f is Extract<Frame, { kind: 'host' }> {
  if (f.kind !== 'host' || f.dir.readOnly) throw new FsError('read-only');
}

/** The leaf of a resolved path in a virtual directory, or the directory itself. */
function virtualChild(r: Resolved & { parent: { kind: 'virtual' } }): TreeNode {
  if (r.leaf === null) return r.parent.node;
  const child = r.parent.node.children.get(r.leaf);
  if (child === undefined) throw new FsError('no-entry');
  return child;
}

/** A directory the guest holds open. */
export class DirHandle {
  readonly kind = 'dir' as const;
  readonly grant: FilesGrant;
  readonly preopen: Preopen;
  /** Canonical components from the preopen root. */
  readonly path: readonly string[];
  /** Its own fd for a host directory (stat, readdir), or the virtual node. */
  readonly #fd: number | null;
  readonly #node: VirtualDir | null;
  readonly #readOnly: boolean;
  #closed = false;

  constructor(
    grant: FilesGrant,
    preopen: Preopen,
    path: readonly string[],
    target: { fd: number; readOnly: boolean } | VirtualDir,
  ) {
    this.grant = grant;
    this.preopen = preopen;
    this.path = path;
    if ('kind' in target) {
      this.#node = target;
      this.#fd = null;
      this.#readOnly = true;
    } else {
      this.#node = null;
      this.#fd = target.fd;
      this.#readOnly = target.readOnly;
    }
  }

  /** The preopen's own directory (its fd belongs to the grant, not to this handle). */
  static forPreopen(grant: FilesGrant, p: Preopen): DirHandle {
    return new DirHandle(
      grant,
      p,
      [],
      p.node.kind === 'virtual'
        ? p.node
        : { fd: openSync(at(p.node.fd, '.'), 'r'), readOnly: p.node.readOnly },
    );
  }

  get readOnly(): boolean {
    return this.#readOnly;
  }

  resolve(path: string, follow: boolean): Resolved {
    if (this.#closed) throw new FsError('bad-descriptor');
    return resolvePath(this.preopen, this.path, path, follow);
  }

  stat(): FileStat {
    if (this.#node) return virtualStat(this.#node);
    return bigFstat(this.#fd!);
  }

  setTimes(atim: NewTime, mtim: NewTime): void {
    if (this.#readOnly) throw new FsError('read-only');
    const s = this.stat();
    futimesSync(this.#fd!, toTimeSec(atim, s.atimNs), toTimeSec(mtim, s.mtimNs));
  }

  readdir(): DirEntry[] {
    if (this.#node) {
      return [...this.#node.children].map(([name, child]) => {
        const s = nodeStat(child);
        return { name, type: s.type, ino: s.ino };
      });
    }
    const fd = this.#fd!;
    return readdirSync(at(fd, '.'), { withFileTypes: true }).map((d) => {
      let ino = 0n;
      try {
        ino = (lstatSync(at(fd, d.name), { bigint: true }) as unknown as { ino: bigint }).ino;
      } catch {
        // Removed meanwhile: listed without an inode number.
      }
      return { name: d.name, type: typeOf(d), ino };
    });
  }

  statAt(path: string, follow: boolean): FileStat {
    return withResolved(this.resolve(path, follow), (r) => {
      if (r.parent.kind === 'virtual') return nodeStat(virtualChild(r as never));
      if (r.leaf === null) return bigFstat(r.parent.fd);
      const s = bigStat(at(r.parent.fd, r.leaf));
      if (r.trailingSlash && s.type !== 'directory') throw new FsError('not-directory');
      return s;
    });
  }

  setTimesAt(path: string, follow: boolean, atim: NewTime, mtim: NewTime): void {
    withResolved(this.resolve(path, follow), (r) => {
      writableFrame(r.parent);
      const p = at(r.parent.fd, r.leaf ?? '.');
      const s = bigStat(p);
      const a = toTimeSec(atim, s.atimNs);
      const m = toTimeSec(mtim, s.mtimNs);
      // Never utimes: the kernel would follow a symlink swapped in since the lookup (ours resolved them).
      lutimesSync(p, a, m);
    });
  }

  mkdirAt(path: string): void {
    withResolved(this.resolve(path, false), (r) => {
      if (r.leaf === null) throw new FsError('exist');
      if (r.parent.kind === 'virtual') {
        if (r.parent.node.children.has(r.leaf)) throw new FsError('exist');
        throw new FsError('read-only');
      }
      writableFrame(r.parent);
      mkdirSync(at(r.parent.fd, r.leaf));
    });
  }

  /** Removes a directory (`dir: true`) or anything else (`dir: false`, unlink). */
  removeAt(path: string, dir: boolean): void {
    withResolved(this.resolve(path, false), (r) => {
      if (r.leaf === null) throw new FsError(dir ? 'busy' : 'is-directory');
      if (r.parent.kind === 'virtual') {
        virtualChild(r as never);
        throw new FsError('read-only');
      }
      writableFrame(r.parent);
      const p = at(r.parent.fd, r.leaf);
      if (r.trailingSlash) {
        const s = bigStat(p);
        if (s.type !== 'directory') throw new FsError('not-directory');
      }
      if (dir) rmdirSync(p);
      else {
        const s = lstatSync(p, { throwIfNoEntry: false });
        if (s?.isDirectory()) throw new FsError('is-directory');
        unlinkSync(p);
      }
    });
  }

  renameAt(path: string, to: DirHandle, toPath: string): void {
    const src = this.resolve(path, false);
    try {
      const dst = to.resolve(toPath, false);
      try {
        if (src.leaf === null || dst.leaf === null) throw new FsError('busy');
        if (src.parent.kind === 'virtual') virtualChild(src as never);
        writableFrame(src.parent);
        writableFrame(dst.parent);
        if (src.parent.dir !== dst.parent.dir) throw new FsError('cross-device');
        const from = at(src.parent.fd, src.leaf);
        const dest = at(dst.parent.fd, dst.leaf);
        const s = bigStat(from);
        if ((src.trailingSlash || dst.trailingSlash) && s.type !== 'directory')
          throw new FsError('not-directory');
        renameSync(from, dest);
      } catch (err) {
        throw toFsError(err);
      } finally {
        dst.release();
      }
    } finally {
      src.release();
    }
  }

  /** A symlink at `path` to `target`, which must stay inside (relative, never above the preopen). */
  symlinkAt(target: string, path: string): void {
    withResolved(this.resolve(path, false), (r) => {
      if (r.leaf === null) throw new FsError('exist');
      if (r.parent.kind === 'virtual') throw new FsError('read-only');
      writableFrame(r.parent);
      if (target.startsWith('/') || target.includes('\0')) {
        throw new FsError('not-permitted', 'a symlink must point inside the preopen');
      }
      if (r.trailingSlash) throw new FsError('no-entry');
      symlinkSync(target, at(r.parent.fd, r.leaf));
    });
  }

  linkAt(path: string, follow: boolean, to: DirHandle, toPath: string): void {
    const src = this.resolve(path, follow);
    try {
      const dst = to.resolve(toPath, false);
      try {
        if (src.leaf === null) throw new FsError('not-permitted');
        if (dst.leaf === null) throw new FsError('exist');
        if (src.parent.kind === 'virtual') virtualChild(src as never);
        writableFrame(src.parent);
        writableFrame(dst.parent);
        if (src.parent.dir !== dst.parent.dir) throw new FsError('cross-device');
        const from = at(src.parent.fd, src.leaf);
        const s = bigStat(from);
        if (s.type === 'directory') throw new FsError('not-permitted');
        if (dst.trailingSlash) throw new FsError('no-entry');
        if (src.trailingSlash) throw new FsError('not-directory');
        linkSync(from, at(dst.parent.fd, dst.leaf));
        this.grant.ownLinks.add(`${s.dev}:${s.ino}`);
      } catch (err) {
        throw toFsError(err);
      } finally {
        dst.release();
      }
    } finally {
      src.release();
    }
  }

  readlinkAt(path: string): string {
    return withResolved(this.resolve(path, false), (r) => {
      if (r.parent.kind === 'virtual' || r.leaf === null) throw new FsError('invalid');
      return readlinkSync(at(r.parent.fd, r.leaf));
    });
  }

  openAt(path: string, opts: OpenOptions): DirHandle | FileHandle {
    return withResolved(this.resolve(path, opts.followSymlinks), (r) => {
      const writes = opts.write || opts.append || opts.truncate;
      // Refusing a directory for write rights alone: only when the caller says so.
      const dirWrites = opts.directoryAnyway ? opts.truncate : writes;
      if (r.parent.kind === 'virtual') {
        const child = r.leaf === null ? r.parent.node : r.parent.node.children.get(r.leaf);
        if (child === undefined) throw new FsError(opts.create ? 'read-only' : 'no-entry');
        if (opts.create && opts.exclusive) throw new FsError('exist');
        if (child.kind === 'file') {
          if (opts.directory || r.trailingSlash) throw new FsError('not-directory');
          if (writes) throw new FsError('read-only');
          return openFile(this.grant, child);
        }
        if (dirWrites) throw new FsError('is-directory');
        if (child.kind === 'virtual') return new DirHandle(this.grant, this.preopen, r.path, child);
        return new DirHandle(this.grant, this.preopen, r.path, {
          fd: openSync(at(child.fd, '.'), 'r'),
          readOnly: child.readOnly,
        });
      }
      const dir = r.parent.dir;
      if (r.leaf === null) {
        if (opts.create && opts.exclusive) throw new FsError('exist');
        if (dirWrites) throw new FsError('is-directory');
        return new DirHandle(this.grant, this.preopen, r.path, {
          fd: openSync(at(r.parent.fd, '.'), 'r'),
          readOnly: dir.readOnly,
        });
      }
      if (dir.readOnly && (writes || opts.create)) {
        // Creating in a read-only place: `exist` if it is there and must not be, else read-only.
        const there = lstatSync(at(r.parent.fd, r.leaf), { throwIfNoEntry: false });
        if (there && opts.create && opts.exclusive) throw new FsError('exist');
        if (there?.isDirectory() && writes) throw new FsError('is-directory');
        if (there || writes) throw new FsError('read-only');
      }
      const asDir = opts.directory || r.trailingSlash;
      let flags = constants.O_NOFOLLOW | constants.O_NONBLOCK;
      if (asDir) flags |= constants.O_DIRECTORY;
      if (opts.create && !dir.readOnly) flags |= constants.O_CREAT;
      if (opts.exclusive && opts.create) flags |= constants.O_EXCL;
      if (opts.truncate) flags |= constants.O_TRUNC;
      // Append is the handle's, not the fd's (O_APPEND would also move pwrite): see FileHandle.write.
      const rw = opts.write || opts.append;
      flags |= rw ? (opts.read ? constants.O_RDWR : constants.O_WRONLY) : constants.O_RDONLY;
      let fd: number;
      try {
        fd = openSync(at(r.parent.fd, r.leaf), flags, 0o644);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EISDIR' && opts.directoryAnyway && !opts.truncate) {
          const d = openSync(at(r.parent.fd, r.leaf), DIR_OPEN);
          return new DirHandle(this.grant, this.preopen, r.path, { fd: d, readOnly: dir.readOnly });
        }
        const s = lstatSync(at(r.parent.fd, r.leaf), { throwIfNoEntry: false });
        // O_NOFOLLOW on a symlink: ELOOP, or ENOTDIR when a directory was asked for.
        if (code === 'ELOOP' || (code === 'ENOTDIR' && s?.isSymbolicLink())) {
          throw new FsError(asDir ? 'not-directory' : 'loop');
        }
        throw err;
      }
      const s = bigFstat(fd);
      if (s.type === 'directory') {
        return new DirHandle(this.grant, this.preopen, r.path, { fd, readOnly: dir.readOnly });
      }
      if (s.type !== 'regular-file') {
        closeSync(fd);
        throw new FsError('not-permitted', 'only regular files and directories can be opened');
      }
      if (s.nlink > 1n && !this.grant.ownLinks.has(`${s.dev}:${s.ino}`)) {
        // A hard link may lead to a file outside the preopen; only links the guest made are followed.
        closeSync(fd);
        throw new FsError('not-permitted', 'a file with other hard links outside the guest is refused');
      }
      return new FileHandle(fd, {
        readable: opts.read !== false,
        writable: Boolean(rw),
        append: Boolean(opts.append),
        readOnly: dir.readOnly,
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#fd !== null) closeSync(this.#fd);
  }
}

function openFile(_grant: FilesGrant, file: HostFile): FileHandle {
  const fd = openSync(file.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  return new FileHandle(fd, { readable: true, writable: false, append: false, readOnly: true });
}
