// Builds a wasi:http component from JavaScript with @bytecodealliance/componentize-js, in a child Node
// process: a build takes 10–50 s and ~800 MB, which must not stay in (or crash) the caller's process.

import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmkubeError } from '../errors.ts';

export interface ComponentizeJsOptions {
  /** Path of the JavaScript module exporting `incomingHandler`. */
  readonly source: string;
  /** WIT folder (root package plus deps/). */
  readonly witDir: string;
  /**
   * World to target, by qualified name.
   * @default 'wasi:http/proxy@0.2.12'
   */
  readonly world?: string;
  /** Where to write the component. */
  readonly out: string;
  /**
   * Give up after this many milliseconds.
   * @default 300000
   */
  readonly timeoutMs?: number;
}

export const DEFAULT_WORLD = 'wasi:http/proxy@0.2.12';

const CHILD = fileURLToPath(new URL('./componentize-child.ts', import.meta.url));

/** Version of the componentize-js package, part of the build cache key. */
export async function componentizeJsVersion(): Promise<string> {
  const pkg = new URL('../package.json', import.meta.resolve('@bytecodealliance/componentize-js'));
  const { version } = JSON.parse(await readFile(pkg, 'utf8')) as { version: string };
  return version;
}

/** Componentizes `source` into `out`; resolves with the component's bytes. */
export async function componentizeJs(options: ComponentizeJsOptions): Promise<Uint8Array> {
  const args = {
    source: resolve(options.source),
    witDir: resolve(options.witDir),
    world: options.world ?? DEFAULT_WORLD,
    out: resolve(options.out),
  };
  await mkdir(dirname(args.out), { recursive: true });
  const timeoutMs = options.timeoutMs ?? 300_000;
  const { code, signal, stderr } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((done, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: timeoutMs,
    });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Keep the tail: the cause is at the end of SpiderMonkey's and wizer's output.
      err = (err + chunk).slice(-8192);
    });
    child.on('error', reject);
    child.on('close', (exit, sig) => done({ code: exit, signal: sig, stderr: err }));
  });
  if (code !== 0) {
    const why = signal ? `was killed by ${signal} (timeout ${timeoutMs} ms?)` : `exited with ${code}`;
    throw new WasmkubeError(
      'BUILD_FAILED',
      `componentize-js build of ${args.source} ${why}:\n${stderr.trim()}`,
      {
        fix: `Check ${args.source} is an ES module exporting \`incomingHandler\` and that world ${args.world} exists in ${args.witDir}.`,
      },
    );
  }
  return new Uint8Array(await readFile(args.out));
}
