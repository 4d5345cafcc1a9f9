// Content-addressed build cache: the key is a sha256 of the builder, its version, the inputs' bytes and
// the options; outputs live in .cache/wasmkube/build/<key>.wasm, written atomically and built once.

import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WasmkubeError } from '../errors.ts';

export interface BuilderId {
  /** Stable name of the builder, e.g. `componentize-js`. */
  readonly name: string;
  /** Version of the tool plus the builder's own revision: a new version means new keys. */
  readonly version: string;
}

export interface CacheRequest {
  readonly builder: BuilderId;
  /** Files and folders whose bytes decide the output; folders are hashed recursively, sorted by path. */
  readonly inputs: readonly string[];
  /** Options that change the output (world, optimise flags…), hashed as JSON with sorted keys. */
  readonly options?: Readonly<Record<string, unknown>>;
  /**
   * Where outputs are kept.
   * @default '<cwd>/.cache/wasmkube/build'
   */
  readonly cacheDir?: string;
}

export interface CacheResult {
  /** Absolute path of the cached output. */
  readonly path: string;
  readonly key: string;
  /** True when the output was already there (or built meanwhile by another process). */
  readonly hit: boolean;
}

export const DEFAULT_CACHE_DIR = join('.cache', 'wasmkube', 'build');
/** A lock older than this is taken over even if its process still seems alive (PID reuse). */
const STALE_LOCK_MS = 15 * 60_000;

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * Hashes names relative to each input (not absolute paths), so two checkouts of the same sources share
 * keys, while renaming a file inside an input folder still changes the key.
 */
export async function cacheKey(request: CacheRequest): Promise<string> {
  const hash = createHash('sha256');
  const field = (value: string | Uint8Array) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  };
  field('wasmkube-build-cache/1');
  field(request.builder.name);
  field(request.builder.version);
  for (const input of request.inputs) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(input);
    } catch (cause) {
      throw new WasmkubeError('BUILD_FAILED', `build input ${input} of ${request.builder.name} is missing`, {
        cause,
        fix: 'Check the source path given to the build.',
      });
    }
    const files = info.isDirectory() ? (await listFiles(input)).sort() : [input];
    field(info.isDirectory() ? `dir:${basename(input)}` : `file:${basename(input)}`);
    for (const file of files) {
      if (info.isDirectory()) field(relative(input, file).split('\\').join('/'));
      field(await readFile(file));
    }
  }
  field(stableJson(request.options ?? {}));
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockIsStale(lockPath: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    const pid = Number.parseInt(text, 10);
    return !Number.isInteger(pid) || !alive(pid) || Date.now() - info.mtimeMs > STALE_LOCK_MS;
  } catch {
    // Gone (or not yet written): let the next attempt decide.
    return false;
  }
}

const inFlight = new Map<string, Promise<CacheResult>>();

/**
 * Returns the cached output for `request`, running `build(tmpPath)` first when there is none. `build`
 * writes the output to `tmpPath` (in the cache folder), which is renamed into place only on success,
 * so readers never see a half-written file. One build per key runs at a time, across processes too
 * (`<key>.lock`, taken over when its owner died): parallel test files wait instead of building twice.
 */
export function cachedBuild(
  request: CacheRequest,
  build: (tmpPath: string) => Promise<unknown>,
): Promise<CacheResult> {
  const dir = resolve(request.cacheDir ?? DEFAULT_CACHE_DIR);
  return cacheKey(request).then((key) => {
    const flightKey = join(dir, key);
    let pending = inFlight.get(flightKey);
    if (!pending) {
      pending = buildOnce(dir, key, build).finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, pending);
    }
    return pending;
  });
}

async function buildOnce(
  dir: string,
  key: string,
  build: (tmpPath: string) => Promise<unknown>,
): Promise<CacheResult> {
  const path = join(dir, `${key}.wasm`);
  if (await exists(path)) return { path, key, hit: true };
  await mkdir(dir, { recursive: true });
  const lockPath = join(dir, `${key}.lock`);
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await exists(path)) return { path, key, hit: true };
      if (await lockIsStale(lockPath)) await rm(lockPath, { force: true });
      else await sleep(250);
    }
  }
  try {
    // Another process may have finished between our check and taking the lock.
    if (await exists(path)) return { path, key, hit: true };
    // Ends in .wasm because asc picks its output format from the extension.
    const tmp = join(dir, `${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp.wasm`);
    try {
      await build(tmp);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
    return { path, key, hit: false };
  } finally {
    await rm(lockPath, { force: true });
  }
}
