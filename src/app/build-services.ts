// buildServices(): builds an app's services in parallel (bounded by the CPUs), each with its declared
// toolchain or its command, skipping those whose stamp shows unchanged inputs; components are transpiled.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { delimiter, dirname, relative } from 'node:path';
import { isWasmkubeError, WasmkubeError } from '../errors.ts';
import type { AppManifest, ServiceSpec } from '../manifest/index.ts';
import type { Toolchain } from '../manifest/types.ts';

/** One step of one service's build, for progress displays. */
export type BuildEvent =
  | { readonly service: string; readonly kind: 'start'; readonly reason: string; readonly what: string }
  | { readonly service: string; readonly kind: 'output'; readonly chunk: string }
  | { readonly service: string; readonly kind: 'done'; readonly ms: number }
  | { readonly service: string; readonly kind: 'fresh'; readonly note?: string }
  | { readonly service: string; readonly kind: 'failed'; readonly ms: number; readonly error: WasmkubeError };

export interface BuildServicesOptions {
  /** Only these services. @default all with a build */
  readonly services?: readonly string[];
  /** @deprecated use `services` */
  readonly only?: readonly string[];
  /** Build even when the stamp says the inputs have not changed. @default false */
  readonly force?: boolean;
  /** Builds at once. @default os.availableParallelism() */
  readonly concurrency?: number;
  /** Called for each step (start, done, fresh, failed, and a command's output). */
  readonly onProgress?: (event: BuildEvent) => void;
  /** Transpile built components for the host, so the next start does not. @default true */
  readonly transpile?: boolean;
}

export interface BuildResult {
  readonly service: string;
  readonly status: 'built' | 'fresh';
  readonly ms: number;
}

// Loaded only when something has a build, through constants: the container image's import graph
// (src/oci/host-layer.ts) then leaves the toolchains out, and an image's app has no build steps.
const TOOLCHAINS = '../build/toolchains.ts';
const STAMPS = '../build/stamp.ts';
/** What this module uses of src/build/toolchains.ts and stamp.ts (see there). */
interface Toolchains {
  producesComponent(toolchain: Toolchain): boolean;
  runToolchain(build: {
    toolchain: Toolchain;
    entry: string;
    output: string;
    world?: string;
    baseDir?: string;
  }): Promise<void>;
  toolchainVersion(toolchain: Toolchain): Promise<string>;
}
interface StampInputs {
  readonly baseDir: string;
  readonly service: string;
  readonly watch: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly output: string;
}
interface Stamps {
  inputDigest(inputs: StampInputs): Promise<{ digest: string; files: number }>;
  staleReason(inputs: StampInputs, digest: string): Promise<string | undefined>;
  writeStamp(inputs: StampInputs, digest: string, files: number): Promise<void>;
}
let tools: Promise<[Toolchains, Stamps]> | undefined;
const loadTools = () => {
  tools ??= Promise.all([import(TOOLCHAINS) as Promise<Toolchains>, import(STAMPS) as Promise<Stamps>]);
  return tools;
};

/** A command build without `watch` has no known inputs: it runs only when its .wasm is missing. */
function stampInputs(s: ServiceSpec, settings: Record<string, unknown>): StampInputs | undefined {
  const b = s.build;
  if (!b || s.source.kind !== 'file') return undefined;
  return {
    baseDir: b.baseDir ?? b.workdir,
    service: s.name,
    watch: b.watch,
    settings,
    output: s.source.path,
  };
}

/**
 * Builds what is stale among `app`'s services (all of them with `force`). Resolves with one result per
 * service that has a build; rejects with BUILD_FAILED naming every failed service once all have settled.
 */
export async function buildServices(
  app: AppManifest,
  opts: BuildServicesOptions = {},
): Promise<BuildResult[]> {
  const only = opts.services ?? opts.only;
  if (only) {
    const unknown = only.filter((n) => !app.services.some((s) => s.name === n));
    if (unknown.length > 0) {
      throw new WasmkubeError(
        'BAD_ARGUMENT',
        `--service ${unknown.join(', ')}: no such service in ${app.name}`,
        {
          fix: `use one of ${app.services.map((s) => s.name).join(', ')}`,
        },
      );
    }
  }
  const todo = app.services.filter(
    (s) => s.build && s.source.kind === 'file' && (!only || only.includes(s.name)),
  );
  const results: BuildResult[] = [];
  const failures: { service: string; error: WasmkubeError }[] = [];
  const limit = Math.max(1, opts.concurrency ?? availableParallelism());
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const s = todo[next++]!;
      try {
        const r = await buildOne(s, opts);
        if (r) results.push(r);
      } catch (err) {
        failures.push({ service: s.name, error: asBuildError(s, err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, todo.length) }, worker));
  if (failures.length > 0) {
    const first = failures[0]!.error;
    throw new WasmkubeError('BUILD_FAILED', failures.map((f) => f.error.message).join('\n\n'), {
      cause: first,
      fix: first.fix ?? 'fix the build errors above, then build again',
    });
  }
  return results.sort((a, b) => (a.service < b.service ? -1 : 1));
}

function asBuildError(s: ServiceSpec, err: unknown): WasmkubeError {
  if (isWasmkubeError(err)) {
    return err.message.includes(`'${s.name}'`)
      ? err
      : new WasmkubeError(err.code, `service '${s.name}': ${err.message}`, { cause: err, fix: err.fix });
  }
  return new WasmkubeError('BUILD_FAILED', `service '${s.name}': ${String(err)}`, { cause: err });
}

async function buildOne(s: ServiceSpec, opts: BuildServicesOptions): Promise<BuildResult | undefined> {
  const [{ producesComponent, runToolchain, toolchainVersion }, { inputDigest, staleReason, writeStamp }] =
    await loadTools();
  const b = s.build!;
  const output = (s.source as { path: string }).path;
  const base = b.baseDir ?? b.workdir;
  let settings: Record<string, unknown>;
  try {
    settings = b.toolchain
      ? {
          toolchain: b.toolchain,
          version: await toolchainVersion(b.toolchain),
          entry: relative(base, b.entry!),
          world: b.world,
        }
      : { command: b.command, workdir: relative(base, b.workdir) };
  } catch (err) {
    const error = asBuildError(s, err);
    opts.onProgress?.({ service: s.name, kind: 'failed', ms: 0, error });
    throw error;
  }
  const stamp = stampInputs(s, settings)!;
  const known = b.toolchain !== undefined || b.watch.length > 0;
  const { digest, files } = await inputDigest(stamp);
  let reason = opts.force ? 'asked to rebuild' : await staleReason(stamp, digest);
  let note: string | undefined;
  if (!known && reason && !opts.force && !reason.endsWith('is missing')) {
    // Nothing names this command's inputs: its .wasm cannot be proven stale.
    reason = undefined;
    note = `its build command has no watch globs, so the existing ${output} is used (list its sources under build.watch, or run wasmkube build --force)`;
  }
  if (reason === undefined) {
    opts.onProgress?.({ service: s.name, kind: 'fresh', ...(note ? { note } : {}) });
    return { service: s.name, status: 'fresh', ms: 0 };
  }
  const what = b.toolchain ? `${b.toolchain} ${relative(base, b.entry!)}` : (b.command ?? '');
  opts.onProgress?.({ service: s.name, kind: 'start', reason, what });
  const started = performance.now();
  try {
    if (b.toolchain) {
      await runToolchain({ toolchain: b.toolchain, entry: b.entry!, output, world: b.world, baseDir: base });
    } else {
      await runCommand(s, (chunk) => opts.onProgress?.({ service: s.name, kind: 'output', chunk }));
      try {
        await readFile(output);
      } catch {
        throw new WasmkubeError(
          'BUILD_FAILED',
          `service '${s.name}': the build succeeded but ${output} is missing`,
          {
            fix: `make services.${s.name}.build.command write the file named by services.${s.name}.source`,
          },
        );
      }
    }
    if ((opts.transpile ?? true) && (b.toolchain === undefined || producesComponent(b.toolchain))) {
      await transpileIfComponent(output);
    }
    await writeStamp(stamp, digest, files);
  } catch (err) {
    const error = asBuildError(s, err);
    opts.onProgress?.({ service: s.name, kind: 'failed', ms: performance.now() - started, error });
    throw error;
  }
  const ms = performance.now() - started;
  opts.onProgress?.({ service: s.name, kind: 'done', ms });
  return { service: s.name, status: 'built', ms };
}

/** Fills the host's transpile cache now, so the first `up` after a build does not run jco. */
async function transpileIfComponent(path: string): Promise<void> {
  const bytes = new Uint8Array(await readFile(path));
  const { detectWasmKind } = await import('../host/engines/wasm/kind.ts');
  if (detectWasmKind(bytes).kind !== 'component') return;
  const { transpileComponent } = await import('../host/engines/component/transpile.ts');
  await transpileComponent(bytes, path);
}

function runCommand(s: ServiceSpec, onOutput: (chunk: string) => void): Promise<void> {
  const build = s.build!;
  const command = build.command!;
  return new Promise((resolve, reject) => {
    // `node` in a build command means the Node.js running wasmkube (24), not an older one on PATH.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
    const child = spawn(command, { cwd: build.workdir, shell: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-8192);
      onOutput(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (cause) =>
      reject(new WasmkubeError('BUILD_FAILED', `service '${s.name}': cannot run '${command}'`, { cause })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new WasmkubeError(
            'BUILD_FAILED',
            `service '${s.name}': '${command}' failed (${signal ?? `exit code ${code}`}) in ${build.workdir}:\n${tail.trim()}`,
            { fix: 'fix the build error above, then run the command again' },
          ),
        );
    });
  });
}
