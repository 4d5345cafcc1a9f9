// Builds a WAGI guest (WASI preview1 command) from one Rust file with Debian's rustc and its wasm32 std:
// `/usr/bin/rustc --target wasm32-wasi` (rustup's rustc, first on PATH, usually lacks the target).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WasmkubeError } from '../errors.ts';

export interface RustWagiOptions {
  /** The crate root (`main.rs`). */
  readonly source: string;
  readonly out: string;
  /**
   * The rustc binary; WASMKUBE_RUSTC overrides the default.
   * @default '/usr/bin/rustc' when it exists, else 'rustc'
   */
  readonly rustc?: string;
}

const INSTALL_FIX = 'install the toolchain: apt-get install rustc libstd-rust-dev-wasm32 lld';

function rustcPath(given?: string): string {
  return given ?? process.env.WASMKUBE_RUSTC ?? (existsSync('/usr/bin/rustc') ? '/usr/bin/rustc' : 'rustc');
}

export async function rustcVersion(rustc?: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(rustcPath(rustc), ['--version']);
    return stdout.trim();
  } catch (cause) {
    throw new WasmkubeError('BUILD_FAILED', `cannot run ${rustcPath(rustc)}`, { cause, fix: INSTALL_FIX });
  }
}

export async function buildRustWagi(options: RustWagiOptions): Promise<Uint8Array> {
  const source = resolve(options.source);
  const out = resolve(options.out);
  await mkdir(dirname(out), { recursive: true });
  const rustc = rustcPath(options.rustc);
  try {
    await promisify(execFile)(
      rustc,
      [
        '--target',
        'wasm32-wasi',
        '--edition',
        '2021',
        '-C',
        'opt-level=2',
        '-C',
        'strip=symbols',
        '--crate-type',
        'bin',
        source,
        '-o',
        out,
      ],
      { maxBuffer: 4 * 1024 * 1024, cwd: dirname(source) },
    );
  } catch (cause) {
    const stderr = String((cause as { stderr?: string }).stderr ?? '').trim();
    const noTarget = /can't find crate for `std`|target may not be installed/.test(stderr);
    throw new WasmkubeError('BUILD_FAILED', `rustc failed on ${source}:\n${stderr || String(cause)}`, {
      cause,
      fix:
        noTarget || (cause as NodeJS.ErrnoException).code === 'ENOENT' ? INSTALL_FIX : 'fix the error above',
    });
  }
  return new Uint8Array(await readFile(out));
}
