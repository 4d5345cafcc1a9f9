// wasi:filesystem (types + preopens) for components, in the host: descriptors over the service's
// preopens (files/handles.ts), with file streams through the host's wasi:io streams. Errors reach the
// guest as the error-code variant, never as a trap.

import type { BodyReader } from '../../core/body.ts';
import { type FsCode, FsError, toFsError } from '../../files/errors.ts';
import type { FilesGrant } from '../../files/grant.ts';
import { DirHandle, type FileHandle, type FileStat, type NewTime } from '../../files/handles.ts';
import { InputStream, IoError, type OutputSink, OutputStream } from './io.ts';

/** The most bytes one read call makes the host allocate. */
const MAX_READ = 1 << 20;
/** Descriptors one instance may hold: a guest that never drops them runs out, not the host's fds. */
const MAX_OPEN = 256;

/** How many descriptors an instance holds now. */
interface Budget {
  open: number;
}

type Datetime = { seconds: bigint; nanoseconds: number };
type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };
type PathFlags = { symlinkFollow?: boolean };
type OpenFlags = { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean };
type DescriptorFlags = {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
};

/** An IoError that carries the filesystem error-code (filesystem-error-code reads it back). */
class FsIoError extends IoError {
  readonly code: FsCode;
  constructor(code: FsCode) {
    super(`filesystem error: ${code}`);
    this.code = code;
  }
}

/** Runs a call and turns a filesystem failure into jco's `err` payload. */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) throw err;
    throw { payload: toFsError(err).code };
  }
}

function datetime(ns: bigint): Datetime {
  return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
}

function newTime(t: NewTimestamp): NewTime {
  if (t.tag === 'now') return 'now';
  if (t.tag === 'timestamp') return t.val.seconds * 1_000_000_000n + BigInt(t.val.nanoseconds);
  return undefined;
}

function descriptorStat(s: FileStat) {
  return {
    type: s.type,
    linkCount: s.nlink,
    size: s.size,
    dataAccessTimestamp: datetime(s.atimNs),
    dataModificationTimestamp: datetime(s.mtimNs),
    statusChangeTimestamp: datetime(s.ctimNs),
  };
}

function checkOffset(offset: bigint): number {
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError('file-too-large');
  return Number(offset);
}

/** A reader over a file from `offset`, shaped like the request body reader InputStream expects. */
function fileReader(file: FileHandle, offset: number) {
  let at = offset;
  let failed: FsCode | null = null;
  return {
    isReady: true,
    ready: () => Promise.resolve(),
    tryRead(max: number): Uint8Array | null {
      if (failed) throw new FsIoError(failed);
      const buf = new Uint8Array(Math.min(max, MAX_READ, 64 * 1024));
      try {
        const n = file.read(buf, at);
        if (n === 0) return null;
        at += n;
        return buf.subarray(0, n);
      } catch (err) {
        failed = toFsError(err).code;
        throw new FsIoError(failed);
      }
    },
  };
}

function fileSink(file: FileHandle, offset: number | 'append'): OutputSink {
  let at = offset;
  let failed = false;
  return {
    write(bytes: Uint8Array) {
      // A failed write (disk full, say) closes the stream: the guest's next call gets `closed`, no trap.
      try {
        if (at === 'append') file.write(bytes, Number(file.stat().size));
        else at += file.write(bytes, at);
      } catch {
        failed = true;
      }
    },
    get failed() {
      return failed;
    },
    capacity: 1 << 20,
    drained: () => Promise.resolve(),
  };
}

export class Descriptor {
  readonly #h: DirHandle | FileHandle;
  readonly #flags: DescriptorFlags;
  readonly #budget: Budget;
  #dropped = false;

  constructor(handle: DirHandle | FileHandle, flags: DescriptorFlags, budget: Budget) {
    this.#h = handle;
    this.#flags = flags;
    this.#budget = budget;
    budget.open++;
  }

  #dir(): DirHandle {
    if (this.#h.kind !== 'dir') throw new FsError('not-directory');
    return this.#h;
  }

  #file(): FileHandle {
    if (this.#h.kind !== 'file') throw new FsError('is-directory');
    return this.#h;
  }

  readViaStream(offset: bigint): InputStream {
    return call(() => {
      const f = this.#file();
      if (!f.readable) throw new FsError('bad-descriptor');
      return new InputStream(fileReader(f, checkOffset(offset)) as unknown as BodyReader, null);
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    return call(() => {
      const f = this.#file();
      if (!f.writable) throw new FsError(f.readOnly ? 'read-only' : 'bad-descriptor');
      return new OutputStream(fileSink(f, checkOffset(offset)), null);
    });
  }

  appendViaStream(): OutputStream {
    return call(() => {
      const f = this.#file();
      if (!f.writable) throw new FsError(f.readOnly ? 'read-only' : 'bad-descriptor');
      return new OutputStream(fileSink(f, 'append'), null);
    });
  }

  advise(): void {
    call(() => this.#file());
  }

  syncData(): void {
    call(() => (this.#h.kind === 'file' ? this.#h.sync(true) : undefined));
  }

  sync(): void {
    call(() => (this.#h.kind === 'file' ? this.#h.sync(false) : undefined));
  }

  getFlags(): DescriptorFlags {
    return this.#flags;
  }

  getType(): string {
    return call(() => this.#h.stat().type);
  }

  setSize(size: bigint): void {
    call(() => this.#file().setSize(size));
  }

  setTimes(atim: NewTimestamp, mtim: NewTimestamp): void {
    call(() => this.#h.setTimes(newTime(atim), newTime(mtim)));
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    return call(() => {
      const f = this.#file();
      if (!f.readable) throw new FsError('bad-descriptor');
      const at = checkOffset(offset);
      const buf = new Uint8Array(Math.min(Number(length > BigInt(MAX_READ) ? MAX_READ : length), MAX_READ));
      const n = buf.length === 0 ? 0 : f.read(buf, at);
      return [buf.subarray(0, n), n < buf.length || at + n >= Number(f.stat().size)];
    });
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    return call(() => BigInt(this.#file().write(buffer, checkOffset(offset))));
  }

  readDirectory(): DirectoryEntryStream {
    return call(() => new DirectoryEntryStream(this.#dir().readdir()));
  }

  createDirectoryAt(path: string): void {
    call(() => this.#dir().mkdirAt(path));
  }

  stat() {
    return call(() => descriptorStat(this.#h.stat()));
  }

  statAt(flags: PathFlags, path: string) {
    return call(() => descriptorStat(this.#dir().statAt(path, flags.symlinkFollow === true)));
  }

  setTimesAt(flags: PathFlags, path: string, atim: NewTimestamp, mtim: NewTimestamp): void {
    call(() => this.#dir().setTimesAt(path, flags.symlinkFollow === true, newTime(atim), newTime(mtim)));
  }

  linkAt(flags: PathFlags, oldPath: string, to: Descriptor, newPath: string): void {
    call(() => this.#dir().linkAt(oldPath, flags.symlinkFollow === true, to.#dir(), newPath));
  }

  openAt(flags: PathFlags, path: string, open: OpenFlags, descFlags: DescriptorFlags): Descriptor {
    return call(() => {
      const dir = this.#dir();
      if (this.#budget.open >= MAX_OPEN)
        throw new FsError('insufficient-memory', 'too many open descriptors');
      // A write in a read-only place is answered `read-only` by openAt itself.
      const h = dir.openAt(path, {
        followSymlinks: flags.symlinkFollow === true,
        create: open.create,
        directory: open.directory,
        exclusive: open.exclusive,
        truncate: open.truncate,
        read: descFlags.read !== false,
        write: descFlags.write === true,
      });
      if (open.directory && h.kind !== 'dir') {
        h.close();
        throw new FsError('not-directory');
      }
      const mutate = h.kind === 'dir' && !h.readOnly && this.#flags.mutateDirectory !== false;
      return new Descriptor(
        h,
        { ...descFlags, ...(h.kind === 'dir' ? { mutateDirectory: mutate } : {}) },
        this.#budget,
      );
    });
  }

  readlinkAt(path: string): string {
    return call(() => this.#dir().readlinkAt(path));
  }

  removeDirectoryAt(path: string): void {
    call(() => this.#dir().removeAt(path, true));
  }

  renameAt(oldPath: string, to: Descriptor, newPath: string): void {
    call(() => this.#dir().renameAt(oldPath, to.#dir(), newPath));
  }

  symlinkAt(target: string, path: string): void {
    call(() => this.#dir().symlinkAt(target, path));
  }

  unlinkFileAt(path: string): void {
    call(() => this.#dir().removeAt(path, false));
  }

  isSameObject(other: Descriptor): boolean {
    try {
      const a = this.#h.stat();
      const b = other.#h.stat();
      return a.dev === b.dev && a.ino === b.ino;
    } catch {
      return false;
    }
  }

  metadataHash() {
    return call(() => {
      const s = this.#h.stat();
      return { upper: s.dev, lower: s.ino };
    });
  }

  metadataHashAt(flags: PathFlags, path: string) {
    return call(() => {
      const s = this.#dir().statAt(path, flags.symlinkFollow === true);
      return { upper: s.dev, lower: s.ino };
    });
  }

  /** jco calls this when the guest drops the descriptor. */
  [Symbol.dispose](): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.#budget.open--;
    this.#h.close();
  }
}

export class DirectoryEntryStream {
  readonly #entries: { name: string; type: string }[];
  #next = 0;

  constructor(entries: { name: string; type: string }[]) {
    this.#entries = entries;
  }

  readDirectoryEntry(): { type: string; name: string } | undefined {
    const e = this.#entries[this.#next];
    if (e === undefined) return undefined;
    this.#next++;
    return { type: e.type, name: e.name };
  }
}

/** The wasi:filesystem imports for one instance: its preopens, opened afresh for each get-directories. */
export function filesystemImports(grant: FilesGrant) {
  const budget: Budget = { open: 0 };
  return {
    'wasi:filesystem/preopens': {
      getDirectories: (): [Descriptor, string][] =>
        grant.preopens.map((p) => {
          const dir = DirHandle.forPreopen(grant, p);
          return [
            new Descriptor(dir, { read: true, mutateDirectory: !dir.readOnly }, budget),
            p.guestPath,
          ] as [Descriptor, string];
        }),
    },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: (err: IoError): FsCode | undefined =>
        err instanceof FsIoError ? err.code : undefined,
    },
  };
}
