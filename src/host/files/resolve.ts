// Resolves a guest's path inside one preopen and nowhere else. Each directory is opened relative to the
// one before with O_NOFOLLOW (openat through /proc/self/fd/N), so a symlink swapped in meanwhile is
// never followed by the kernel; the host follows symlinks itself, only while they stay inside, and
// `..` never climbs above the preopen. Absolute paths and absolute symlink targets are refused.

import { closeSync, constants, lstatSync, openSync, readlinkSync } from 'node:fs';
import { FsError, toFsError } from './errors.ts';
import type { HostDir, HostFile, Preopen, TreeNode, VirtualDir } from './grant.ts';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** Symlinks followed in one lookup before ELOOP, as Linux does. */
const MAX_SYMLINKS = 40;
const MAX_PATH = 4096;
/** Directories one lookup holds open at once: a deep path must not take the process's fds. */
const MAX_DEPTH = 128;

/** One directory on the way down: a virtual one, or a host one held open by fd. */
export type Frame =
  | { readonly kind: 'virtual'; readonly node: VirtualDir }
  | { readonly kind: 'host'; readonly dir: HostDir; readonly fd: number; readonly owned: boolean };

/** Where a path leads: the directory that holds its last component, and that component. */
export interface Resolved {
  readonly parent: Frame;
  /** null when the path names the directory itself (`.`, `a/..`, the empty path). */
  readonly leaf: string | null;
  /** The path ended in `/`: the leaf must be a directory. */
  readonly trailingSlash: boolean;
  /** Canonical components from the preopen to the leaf (inclusive), for descriptors opened here. */
  readonly path: readonly string[];
  /** Close what this lookup opened. */
  release(): void;
}

/** A host path for `name` inside a directory the host holds open: openat(fd, name) by another route. */
export function at(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

function rootFrame(p: Preopen): Frame {
  return p.node.kind === 'virtual'
    ? { kind: 'virtual', node: p.node }
    : { kind: 'host', dir: p.node, fd: p.node.fd, owned: false };
}

function enter(frame: Frame, name: string): Frame | { symlink: string } | { file: HostFile } | null {
  if (frame.kind === 'virtual') {
    const child: TreeNode | undefined = frame.node.children.get(name);
    if (child === undefined) throw new FsError('no-entry');
    if (child.kind === 'virtual') return { kind: 'virtual', node: child };
    if (child.kind === 'host') return { kind: 'host', dir: child, fd: child.fd, owned: false };
    return { file: child };
  }
  try {
    return { kind: 'host', dir: frame.dir, fd: openSync(at(frame.fd, name), DIR_FLAGS), owned: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'ENOTDIR') throw toFsError(err);
    const info = lstatSync(at(frame.fd, name), { throwIfNoEntry: false });
    if (info?.isSymbolicLink()) return { symlink: readlinkSync(at(frame.fd, name)) };
    throw new FsError('not-directory');
  }
}

/**
 * Walks `base` (canonical components from the preopen root) then `path`. With `followLast`, a symlink
 * in the last place is followed too. Throws FsError: not-permitted for a way out, loop, no-entry...
 */
export function resolvePath(
  preopen: Preopen,
  base: readonly string[],
  path: string,
  followLast: boolean,
): Resolved {
  if (path.includes('\0')) throw new FsError('illegal-byte-sequence');
  if (path.length > MAX_PATH) throw new FsError('name-too-long');
  if (path.startsWith('/')) throw new FsError('not-permitted', 'absolute paths are outside the preopen');
  const stack: Frame[] = [rootFrame(preopen)];
  const names: string[] = [];
  const release = () => {
    for (const f of stack) if (f.kind === 'host' && f.owned) closeSync(f.fd);
    stack.length = 0;
  };
  const trailingSlash = path.endsWith('/') && path.replace(/\/+$/, '') !== '';
  // Work list, in reverse: symlink targets are pushed on the end.
  const todo = path.split('/').reverse();
  let links = 0;
  try {
    // The descriptor's own directory first: it is the capability, so `..` stops there, not at the preopen.
    for (const name of base) {
      const next = enter(stack[stack.length - 1]!, name);
      if (next === null || 'symlink' in next || 'file' in next) throw new FsError('no-entry');
      stack.push(next);
      names.push(name);
    }
    const floor = stack.length;
    for (;;) {
      // Skip empty and `.` components, and find whether the next real one is the last.
      while (todo.length > 0 && (todo[todo.length - 1] === '' || todo[todo.length - 1] === '.')) todo.pop();
      const name = todo.pop();
      if (name === undefined) {
        // The path names a directory (the preopen itself, `.`, `x/..`).
        const parent = stack.pop()!;
        const leaf = stack.length === 0 ? null : (names.pop() ?? null);
        if (leaf === null) {
          stack.push(parent);
          return { parent, leaf: null, trailingSlash: false, path: [], release };
        }
        // The directory itself is the result: describe it as its parent plus its name.
        if (parent.kind === 'host' && parent.owned) closeSync(parent.fd);
        const up = stack[stack.length - 1]!;
        return { parent: up, leaf, trailingSlash: false, path: [...names, leaf], release };
      }
      if (name === '..') {
        if (stack.length === floor) throw new FsError('not-permitted', "'..' leads out of the directory");
        const top = stack.pop()!;
        if (top.kind === 'host' && top.owned) closeSync(top.fd);
        names.pop();
        continue;
      }
      const rest = todo.some((t) => t !== '' && t !== '.');
      const top = stack[stack.length - 1]!;
      if (!rest) {
        // The last component: look at it without following, unless asked to (or a `/` ends the path).
        const follow = followLast || trailingSlash;
        if (follow && top.kind === 'host') {
          const info = lstatSync(at(top.fd, name), { throwIfNoEntry: false });
          if (info?.isSymbolicLink()) {
            if (++links > MAX_SYMLINKS) throw new FsError('loop');
            pushTarget(todo, readlinkSync(at(top.fd, name)), trailingSlash);
            continue;
          }
        }
        return { parent: top, leaf: name, trailingSlash, path: [...names, name], release };
      }
      const next = enter(top, name);
      if (next === null) throw new FsError('no-entry');
      if ('symlink' in next) {
        if (++links > MAX_SYMLINKS) throw new FsError('loop');
        pushTarget(todo, next.symlink, false);
        continue;
      }
      if ('file' in next) throw new FsError('not-directory');
      stack.push(next);
      if (stack.length > MAX_DEPTH)
        throw new FsError('name-too-long', `more than ${MAX_DEPTH} directories deep`);
      names.push(name);
    }
  } catch (err) {
    release();
    throw toFsError(err);
  }
}

function pushTarget(todo: string[], target: string, slash: boolean): void {
  if (target.startsWith('/'))
    throw new FsError('not-permitted', 'an absolute symlink leads out of the preopen');
  const parts = target.split('/');
  if (slash) parts.push('');
  for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
}
