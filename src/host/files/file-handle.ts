// A regular file a guest holds open: reads and writes straight between the host file and the guest's
// memory (preview1) or a host buffer (wasi:filesystem); writes to a read-only file fail `read-only`.

import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  futimesSync,
  readSync,
  writeSync,
} from 'node:fs';
import { FsError, toFsError } from './errors.ts';
import { bigFstat, type FileStat, type NewTime, toTimeSec } from './stat.ts';

/** A regular file the guest holds open; `position` is preview1's file offset. */
export class FileHandle {
  readonly kind = 'file' as const;
  readonly fd: number;
  readonly readable: boolean;
  readonly writable: boolean;
  append: boolean;
  readonly readOnly: boolean;
  position = 0;
  #closed = false;

  constructor(
    fd: number,
    opts: { readable: boolean; writable: boolean; append: boolean; readOnly: boolean },
  ) {
    this.fd = fd;
    this.readable = opts.readable;
    this.writable = opts.writable;
    this.append = opts.append;
    this.readOnly = opts.readOnly;
  }

  #check(): void {
    if (this.#closed) throw new FsError('bad-descriptor');
  }

  stat(): FileStat {
    this.#check();
    return bigFstat(this.fd);
  }

  /** Reads into `into` at `offset` (the file position when null); returns the count. */
  read(into: Uint8Array, offset: number | null): number {
    this.#check();
    if (!this.readable) throw new FsError('bad-descriptor');
    try {
      const n = readSync(this.fd, into, 0, into.length, offset ?? this.position);
      if (offset === null) this.position += n;
      return n;
    } catch (err) {
      throw toFsError(err);
    }
  }

  write(from: Uint8Array, offset: number | null): number {
    this.#check();
    if (!this.writable) throw new FsError(this.readOnly ? 'read-only' : 'bad-descriptor');
    try {
      if (offset === null && this.append) {
        const end = Number(this.stat().size);
        const n = writeSync(this.fd, from, 0, from.length, end);
        this.position = end + n;
        return n;
      }
      const n = writeSync(this.fd, from, 0, from.length, offset ?? this.position);
      if (offset === null) this.position += n;
      return n;
    } catch (err) {
      throw toFsError(err);
    }
  }

  setSize(size: bigint): void {
    this.#check();
    if (!this.writable) throw new FsError(this.readOnly ? 'read-only' : 'bad-descriptor');
    try {
      ftruncateSync(this.fd, Number(size));
    } catch (err) {
      throw toFsError(err);
    }
  }

  setTimes(atim: NewTime, mtim: NewTime): void {
    this.#check();
    if (this.readOnly) throw new FsError('read-only');
    const s = this.stat();
    futimesSync(this.fd, toTimeSec(atim, s.atimNs), toTimeSec(mtim, s.mtimNs));
  }

  sync(dataOnly: boolean): void {
    this.#check();
    if (this.readOnly) return;
    try {
      (dataOnly ? fdatasyncSync : fsyncSync)(this.fd);
    } catch (err) {
      throw toFsError(err);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.fd);
  }
}
