// What a guest learns about a file: its type, identity, size and times, from the host's stat (or made up
// for the host's virtual directories), and the times a guest may set.

import { fstatSync, lstatSync } from 'node:fs';
import type { TreeNode, VirtualDir } from './grant.ts';

export type FileType =
  | 'unknown'
  | 'block-device'
  | 'character-device'
  | 'directory'
  | 'fifo'
  | 'symbolic-link'
  | 'regular-file'
  | 'socket';

export interface FileStat {
  readonly type: FileType;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly nlink: bigint;
  readonly size: bigint;
  readonly atimNs: bigint;
  readonly mtimNs: bigint;
  readonly ctimNs: bigint;
}

export interface DirEntry {
  readonly name: string;
  readonly type: FileType;
  readonly ino: bigint;
}

/** A time to set: now, a time in ns since the epoch, or left as it is. */
export type NewTime = 'now' | bigint | undefined;

type BigStats = ReturnType<typeof fstatSync> & { ino: bigint; dev: bigint };

export function typeOf(s: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): FileType {
  if (s.isFile()) return 'regular-file';
  if (s.isDirectory()) return 'directory';
  if (s.isSymbolicLink()) return 'symbolic-link';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  if (s.isCharacterDevice()) return 'character-device';
  if (s.isBlockDevice()) return 'block-device';
  return 'unknown';
}

function fromStats(s: BigStats): FileStat {
  const b = s as unknown as {
    dev: bigint;
    ino: bigint;
    nlink: bigint;
    size: bigint;
    atimeNs: bigint;
    mtimeNs: bigint;
    ctimeNs: bigint;
  };
  return {
    type: typeOf(s),
    dev: b.dev,
    ino: b.ino,
    nlink: b.nlink,
    size: b.size,
    atimNs: b.atimeNs,
    mtimNs: b.mtimeNs,
    ctimNs: b.ctimeNs,
  };
}

const VIRTUAL_DEV = 0xffffn;
export function virtualStat(node: VirtualDir): FileStat {
  return {
    type: 'directory',
    dev: VIRTUAL_DEV,
    ino: node.ino,
    nlink: 1n,
    size: 0n,
    atimNs: 0n,
    mtimNs: 0n,
    ctimNs: 0n,
  };
}

export const bigStat = (path: string) => fromStats(lstatSync(path, { bigint: true }) as unknown as BigStats);
export const bigFstat = (fd: number) => fromStats(fstatSync(fd, { bigint: true }) as unknown as BigStats);

export function nodeStat(node: TreeNode): FileStat {
  if (node.kind === 'virtual') return virtualStat(node);
  if (node.kind === 'host') return bigFstat(node.fd);
  return bigStat(node.path);
}

export function toTimeSec(t: NewTime, current: bigint): number {
  if (t === 'now') return Date.now() / 1000;
  return Number(t ?? current) / 1e9;
}
