// What a service may see of the host's files: its read-write data directory (the guest's /data) and
// the read-only files of the manifest (Spin's `files`), made into preopens once per serving thread.

import { globSync, mkdirSync, openSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WasmkubeError } from '../../errors.ts';
import type { FilesSpec } from '../../manifest/index.ts';

/** A host directory the guest may use, by path, with the O_DIRECTORY fd every lookup starts from. */
export interface HostDir {
  readonly kind: 'host';
  /** realpath of the directory. */
  readonly root: string;
  readonly fd: number;
  readonly readOnly: boolean;
}

/** One file of the manifest, put at a path of the guest's choosing (always read-only). */
export interface HostFile {
  readonly kind: 'file';
  readonly path: string;
}

/** A directory that exists only for the guest: it holds mounts, and nothing can be written in it. */
export interface VirtualDir {
  readonly kind: 'virtual';
  readonly children: Map<string, VirtualDir | HostDir | HostFile>;
  readonly ino: bigint;
}

export type TreeNode = VirtualDir | HostDir | HostFile;

/** A directory preopened for the guest under `guestPath` (`/data`, or `/` for read-only files). */
export interface Preopen {
  readonly guestPath: string;
  readonly node: VirtualDir | HostDir;
}

/** A service's file grants: empty when it declares neither `data` nor `files`. */
export interface FilesGrant {
  readonly preopens: readonly Preopen[];
  /** (dev:ino) of hard links the guest made inside its own directories: only those may be opened. */
  readonly ownLinks: Set<string>;
}

export const NO_FILES: FilesGrant = { preopens: [], ownLinks: new Set() };

let nextVirtualIno = 1n;
function virtualDir(): VirtualDir {
  return { kind: 'virtual', children: new Map(), ino: nextVirtualIno++ };
}

/** Opens a host directory as a mount (its realpath, held open by fd). */
export function openHostDir(path: string, readOnly: boolean): HostDir {
  const root = realpathSync(path);
  return { kind: 'host', root, fd: openSync(root, 'r'), readOnly };
}

/** Guest path components of an absolute guest path; refuses `..` and empty names. */
function guestComponents(service: string, path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (!path.startsWith('/') || parts.includes('..')) {
    throw new WasmkubeError(
      'MANIFEST_INVALID',
      `service '${service}': files destination '${path}' is not an absolute path without '..'`,
      { fix: `write destination: /${parts.filter((p) => p !== '..').join('/')}` },
    );
  }
  return parts;
}

function place(service: string, root: VirtualDir, at: string, node: HostDir | HostFile): void {
  const parts = guestComponents(service, at);
  const leaf = parts.pop();
  if (leaf === undefined) {
    // A directory mapped to `/` itself: its entries go at the root (read-only).
    throw new WasmkubeError('MANIFEST_INVALID', `service '${service}': files destination '/' is reserved`, {
      fix: 'map the directory to a path such as /static',
    });
  }
  let dir = root;
  for (const p of parts) {
    let next = dir.children.get(p);
    if (next === undefined) {
      next = virtualDir();
      dir.children.set(p, next);
    }
    if (next.kind !== 'virtual') {
      throw new WasmkubeError('MANIFEST_INVALID', `service '${service}': files put two things at ${at}`, {
        fix: 'give each files entry its own destination',
      });
    }
    dir = next;
  }
  if (dir.children.has(leaf)) {
    throw new WasmkubeError('MANIFEST_INVALID', `service '${service}': files put two things at ${at}`, {
      fix: 'give each files entry its own destination',
    });
  }
  dir.children.set(leaf, node);
}

/**
 * Opens a service's grants: creates its data directory if needed, expands `files` globs (matches that
 * are symlinks or outside the manifest folder are skipped), and builds the read-only tree.
 * `dataDir` overrides the manifest's data directory (WASMKUBE_DATA_DIR: a Kubernetes volume).
 */
export function openFilesGrant(service: string, spec: FilesSpec | undefined, dataDir?: string): FilesGrant {
  if (spec === undefined || (spec.data === undefined && spec.files.length === 0)) return NO_FILES;
  const preopens: Preopen[] = [];
  let data: HostDir | undefined;
  if (spec.data !== undefined) {
    const dir = dataDir ?? spec.data.dir;
    try {
      mkdirSync(dir, { recursive: true });
      data = openHostDir(dir, false);
    } catch (cause) {
      throw new WasmkubeError('BAD_ARGUMENT', `service '${service}': cannot use ${dir} as /data: ${cause}`, {
        cause,
        fix: 'make the directory writable, or point services.NAME.data.dir (or WASMKUBE_DATA_DIR) elsewhere',
      });
    }
  }
  if (spec.files.length > 0) {
    const root = virtualDir();
    for (const entry of spec.files) {
      if (entry.kind === 'mapping') {
        let info: ReturnType<typeof statSync>;
        try {
          info = statSync(entry.source);
        } catch (cause) {
          throw new WasmkubeError(
            'BAD_ARGUMENT',
            `service '${service}': files source ${entry.source}: ${cause}`,
            {
              cause,
              fix: 'check the path (relative to wasmkube.yaml)',
            },
          );
        }
        place(
          service,
          root,
          entry.destination,
          info.isDirectory()
            ? openHostDir(entry.source, true)
            : { kind: 'file', path: realpathSync(entry.source) },
        );
        continue;
      }
      const base = realpathSync(entry.base);
      const matches = globSync(entry.pattern, { cwd: base, withFileTypes: true });
      for (const m of matches) {
        if (!m.isFile()) continue;
        const full = join(m.parentPath, m.name);
        const rel = relative(base, full);
        if (rel.startsWith('..') || isAbsolute(rel)) continue;
        place(service, root, `/${rel.split(sep).join('/')}`, { kind: 'file', path: full });
      }
    }
    if (data) root.children.set('data', data);
    preopens.push({ guestPath: '/', node: root });
  }
  if (data) preopens.push({ guestPath: '/data', node: data });
  return { preopens, ownLinks: new Set() };
}

/** The default data directory of a service: `.wasmkube/data/SERVICE` beside wasmkube.yaml. */
export function defaultDataDir(manifestDir: string, service: string): string {
  return resolve(manifestDir, '.wasmkube', 'data', service);
}
