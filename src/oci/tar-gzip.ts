// Deterministic layers: a tar with sorted entries, fixed mtimes, owners and modes, gzipped with a fixed
// header, so the same files always give the same layer digest (what makes rebuilds skip pushes).

import { gunzipSync, gzipSync } from 'node:zlib';
import { packTar, type TarEntry, unpackTar } from 'modern-tar';

export interface LayerFile {
  /** Path inside the image, without a leading slash, e.g. `app/wasmkube.yaml`. */
  readonly path: string;
  readonly data: Uint8Array;
  /** @default 0o644 (0o755 for a folder) */
  readonly mode?: number;
  /** An (empty) folder rather than a file; `data` is ignored. */
  readonly dir?: boolean;
}

export interface TarOptions {
  /** Owner of every entry. @default 0 */
  readonly uid?: number;
  /** @default 0 */
  readonly gid?: number;
}

/** The epoch, as ko and Jib use: a fixed time says nothing about when the image was built. */
const MTIME = new Date(0);

/**
 * A tar of the files plus every parent folder, sorted by path. Folders are 0755, files keep their mode
 * (0644 unless given); owners are fixed.
 */
export async function deterministicTar(
  files: readonly LayerFile[],
  opts: TarOptions = {},
): Promise<Uint8Array> {
  const uid = opts.uid ?? 0;
  const gid = opts.gid ?? 0;
  const dirs = new Set<string>();
  const dirModes = new Map<string, number>();
  const byPath = new Map<string, LayerFile>();
  for (const f of files) {
    const path = f.path.replace(/^\/+/, '').replace(/\/+$/, '');
    if (f.dir) {
      dirs.add(`${path}/`);
      if (f.mode !== undefined) dirModes.set(`${path}/`, f.mode);
    } else byPath.set(path, { ...f, path });
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  const entries: TarEntry[] = [];
  const names = [...dirs, ...byPath.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const owner = { uid, gid, uname: '', gname: '', mtime: MTIME };
    if (name.endsWith('/')) {
      entries.push({
        header: { name, size: 0, type: 'directory', mode: dirModes.get(name) ?? 0o755, ...owner },
      });
    } else {
      const f = byPath.get(name)!;
      entries.push({
        header: { name, size: f.data.byteLength, type: 'file', mode: f.mode ?? 0o644, ...owner },
        body: f.data,
      });
    }
  }
  return packTar(entries);
}

/**
 * gzip with mtime 0 and OS byte 255 ("unknown"), as Go's registry tools write it; zlib's output for the
 * same input and level is stable within one Node.js release.
 * @param level 1 (fast) to 9 (small). @default 9
 */
export function deterministicGzip(data: Uint8Array, level = 9): Uint8Array {
  const out = gzipSync(data, { level });
  out.writeUInt32LE(0, 4);
  out[9] = 255;
  return out;
}

export function gunzip(data: Uint8Array): Uint8Array {
  return gunzipSync(data);
}

export interface TarFile {
  readonly path: string;
  readonly mode: number;
  readonly type: string;
  readonly data?: Uint8Array;
  readonly linkname?: string;
}

/** The entries of a (possibly gzipped) tar, paths without a leading `./` or `/`. */
export async function readTar(data: Uint8Array): Promise<TarFile[]> {
  const tar = data[0] === 0x1f && data[1] === 0x8b ? gunzip(data) : data;
  const entries = await unpackTar(tar);
  return entries.map((e) => ({
    path: e.header.name.replace(/^(\.\/|\/)+/, ''),
    mode: e.header.mode ?? 0o644,
    type: e.header.type ?? 'file',
    ...(e.data ? { data: e.data } : {}),
    ...(e.header.linkname ? { linkname: e.header.linkname } : {}),
  }));
}
