// `up --watch`: watches each service's `build.watch` globs (or its .wasm when it has no build), and on a
// change rebuilds that service alone and swaps it into the running host; a failed build keeps the old one.

import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, matchesGlob, relative, resolve, sep } from 'node:path';
import type { AppManifest, ServiceSpec } from '../manifest/index.ts';
import { rebuildService } from './rebuild.ts';

export type WatchEvent =
  | { readonly type: 'watching'; readonly service: string; readonly globs: readonly string[] }
  | { readonly type: 'unwatched'; readonly service: string; readonly reason: string }
  | { readonly type: 'changed'; readonly service: string; readonly files: readonly string[] }
  | { readonly type: 'reloaded'; readonly service: string; readonly buildMs: number; readonly swapMs: number }
  | {
      readonly type: 'failed';
      readonly service: string;
      readonly stage: 'build' | 'load';
      readonly error: unknown;
    };

export interface WatchOptions {
  readonly app: AppManifest;
  /** The manifest's folder: `build.watch` globs are relative to it. */
  readonly dir: string;
  /** Swaps the service's new .wasm into the running host (RunningHost.reload). */
  readonly reload: (service: string) => Promise<void>;
  readonly onEvent: (event: WatchEvent) => void;
  /** Build output and progress lines. */
  readonly onProgress?: (line: string) => void;
  /**
   * Quiet time after the last change before a rebuild starts (editors write a file in several steps).
   * @default 100
   */
  readonly debounceMs?: number;
  /** @default rebuildService */
  readonly rebuild?: (app: AppManifest, service: string) => Promise<void>;
}

export interface Watching {
  /** Resolves when no rebuild is queued or running (tests wait on it). */
  idle(): Promise<void>;
  close(): void;
}

interface ServiceWatch {
  readonly spec: ServiceSpec;
  /** Globs relative to the manifest folder, `/`-separated. */
  readonly globs: readonly string[];
  readonly build: boolean;
  changed: Set<string>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

/** The folder a glob cannot match outside of: its segments before the first with a glob character. */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?[\]{}!()]/.test(p)) break;
    fixed.push(p);
  }
  return fixed.join('/');
}

function watchedGlobs(spec: ServiceSpec, dir: string): { globs: string[]; build: boolean } | string {
  if (spec.source.kind !== 'file') return 'its source is an OCI reference';
  if (spec.build) {
    if (spec.build.watch.length === 0)
      return `no build.watch globs: add services.${spec.name}.build.watch (e.g. ["src/**"]) to rebuild on edits`;
    return { globs: [...spec.build.watch], build: true };
  }
  const rel = relative(dir, spec.source.path);
  // A module built elsewhere: reload it when the file is replaced.
  return { globs: [isAbsolute(rel) ? spec.source.path : rel.split(sep).join('/')], build: false };
}

export async function watchServices(opts: WatchOptions): Promise<Watching> {
  const debounceMs = opts.debounceMs ?? 100;
  const rebuild = opts.rebuild ?? ((app, s) => rebuildService(app, s, opts.onProgress));
  const services: ServiceWatch[] = [];
  for (const spec of opts.app.services) {
    const w = watchedGlobs(spec, opts.dir);
    if (typeof w === 'string') {
      opts.onEvent({ type: 'unwatched', service: spec.name, reason: w });
      continue;
    }
    services.push({ spec, globs: w.globs, build: w.build, changed: new Set() });
    opts.onEvent({ type: 'watching', service: spec.name, globs: w.globs });
  }
  // One recursive watcher per distinct base folder (not the whole app: node_modules may be in it).
  const bases = new Set<string>();
  for (const s of services)
    for (const g of s.globs) bases.add(await existingFolder(resolve(opts.dir, globBase(g))));
  const watchers: FSWatcher[] = [];
  const onChange = (base: string) => (_event: string, name: string | Buffer | null) => {
    if (name === null) return;
    const abs = join(base, name.toString());
    const rel = relative(opts.dir, abs).split(sep).join('/');
    for (const s of services) {
      // A build's own output is no edit (globs like `orders/**` take in its dist/ folder too).
      if (s.build && s.spec.source.kind === 'file' && abs === s.spec.source.path) continue;
      if (!s.globs.some((g) => matchesGlob(isAbsolute(g) ? abs : rel, g))) continue;
      s.changed.add(rel);
      clearTimeout(s.timer);
      s.timer = setTimeout(() => start(s), debounceMs);
    }
  };
  for (const base of [...bases].filter((b) => ![...bases].some((o) => o !== b && isInside(b, o)))) {
    const w = watch(base, { recursive: true }, onChange(base));
    w.on('error', (err) => opts.onProgress?.(`watching ${base} stopped: ${err.message}`));
    watchers.push(w);
  }

  const start = (s: ServiceWatch) => {
    s.timer = undefined;
    // Changes during a build run another build right after it, with everything that changed meanwhile.
    if (s.running) return;
    const files = [...s.changed];
    s.changed = new Set();
    s.running = (async () => {
      opts.onEvent({ type: 'changed', service: s.spec.name, files });
      const began = performance.now();
      if (s.build) {
        try {
          await rebuild(opts.app, s.spec.name);
        } catch (error) {
          opts.onEvent({ type: 'failed', service: s.spec.name, stage: 'build', error });
          return;
        }
      }
      const built = performance.now();
      try {
        await opts.reload(s.spec.name);
      } catch (error) {
        opts.onEvent({ type: 'failed', service: s.spec.name, stage: 'load', error });
        return;
      }
      opts.onEvent({
        type: 'reloaded',
        service: s.spec.name,
        buildMs: Math.round(built - began),
        swapMs: Math.round(performance.now() - built),
      });
    })().finally(() => {
      s.running = undefined;
      if (s.changed.size > 0 && !s.timer) start(s);
    });
  };

  return {
    async idle() {
      for (;;) {
        const busy = services.filter((s) => s.running || s.timer);
        if (busy.length === 0) return;
        await Promise.all(busy.map((s) => s.running ?? new Promise((r) => setTimeout(r, debounceMs))));
      }
    },
    close() {
      for (const w of watchers) w.close();
      for (const s of services) clearTimeout(s.timer);
    },
  };
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** `path` if it is a folder, else its nearest existing parent (a glob's folder may not exist yet). */
async function existingFolder(path: string): Promise<string> {
  for (let p = path; ; p = dirname(p)) {
    try {
      if ((await stat(p)).isDirectory()) return p;
    } catch {}
    if (dirname(p) === p) return p;
  }
}
