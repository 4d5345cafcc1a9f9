// Builds a WAGI guest (WASI preview1 command) from C with clang --target=wasm32-wasi; needs Debian's
// clang, lld, wasi-libc and libclang-rt-dev-wasm32 (see hasWasiClang).

import { execFile, spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WasmkubeError } from '../errors.ts';

export interface CWagiOptions {
  /** The C source file with `main`. */
  readonly source: string;
  /** Where to write the module. */
  readonly out: string;
  /**
   * The clang binary.
   * @default 'clang'
   */
  readonly clang?: string;
}

const FLAGS = ['--target=wasm32-wasi', '-O2', '-Wl,--strip-all'] as const;
const INSTALL_FIX = 'Install the toolchain: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32';

let probed: boolean | undefined;

/**
 * Whether clang can link a wasm32-wasi program here: compiles and links a one-line C file to /dev/null,
 * which fails without wasm-ld, wasi-libc or the wasm32 compiler-rt. Probed once per process.
 */
export function hasWasiClang(clang = 'clang'): boolean {
  if (probed !== undefined && clang === 'clang') return probed;
  const result = spawnSync(clang, [...FLAGS, '-x', 'c', '-', '-o', '/dev/null'], {
    input: 'int main(void){return 0;}',
    stdio: ['pipe', 'ignore', 'ignore'],
    timeout: 60_000,
  });
  const ok = result.status === 0;
  if (clang === 'clang') probed = ok;
  return ok;
}

/** First line of `clang --version`, part of the build cache key. */
export async function clangVersion(clang = 'clang'): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(clang, ['--version']));
  } catch (cause) {
    throw new WasmkubeError('BUILD_FAILED', `cannot run ${clang}: clang for wasm32-wasi is not installed`, {
      cause,
      fix: INSTALL_FIX,
    });
  }
  return stdout.split('\n')[0]?.trim() ?? 'unknown';
}

/** Compiles `source` into `out`; resolves with the module's bytes. */
export async function buildCWagi(options: CWagiOptions): Promise<Uint8Array> {
  const source = resolve(options.source);
  const out = resolve(options.out);
  const clang = options.clang ?? 'clang';
  await mkdir(dirname(out), { recursive: true });
  try {
    await promisify(execFile)(clang, [...FLAGS, source, '-o', out], { maxBuffer: 4 * 1024 * 1024 });
  } catch (cause) {
    const err = cause as NodeJS.ErrnoException & { stderr?: string };
    const missing = err.code === 'ENOENT';
    throw new WasmkubeError(
      'BUILD_FAILED',
      missing
        ? `${clang} not found while building ${source}`
        : `clang failed to build ${source}:\n${err.stderr ?? err.message}`,
      {
        cause,
        fix: missing || !hasWasiClang(clang) ? INSTALL_FIX : `Fix the C errors reported above in ${source}.`,
      },
    );
  }
  return new Uint8Array(await readFile(out));
}
