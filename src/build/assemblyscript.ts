// Builds a WAGI guest (a WASI preview1 command exporting `_start`) from AssemblyScript with asc and
// @assemblyscript/wasi-shim, in-process through asc's programmatic API.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmkubeError } from '../errors.ts';

export interface AssemblyScriptWagiOptions {
  /** The AssemblyScript entry file; its top-level statements become `_start`. */
  readonly entry: string;
  /** Where to write the module. */
  readonly out: string;
  /**
   * Optimise with binaryen (`-O3 --shrinkLevel 1`): smaller and faster, a few seconds slower to build.
   * @default true
   */
  readonly optimize?: boolean;
}

async function packageVersion(pkgJsonSpecifier: string): Promise<string> {
  const { version } = JSON.parse(await readFile(new URL(import.meta.resolve(pkgJsonSpecifier)), 'utf8')) as {
    version: string;
  };
  return version;
}

/** Versions of asc and the WASI shim, part of the build cache key. */
export async function assemblyScriptVersion(): Promise<string> {
  const [asc, shim] = await Promise.all([
    packageVersion('assemblyscript/package.json'),
    packageVersion('@assemblyscript/wasi-shim/package.json'),
  ]);
  return `asc ${asc}, wasi-shim ${shim}`;
}

/** Compiles `entry` into `out`; resolves with the module's bytes. */
export async function buildAssemblyScriptWagi(options: AssemblyScriptWagiOptions): Promise<Uint8Array> {
  const entry = resolve(options.entry);
  const out = resolve(options.out);
  const shimConfig = fileURLToPath(import.meta.resolve('@assemblyscript/wasi-shim/asconfig.json'));
  await mkdir(dirname(out), { recursive: true });
  // asc resolves the config's `lib` folder against its own base dir: an absolute --config path breaks it.
  const argv = [entry, '--config', relative(process.cwd(), shimConfig), '--outFile', out, '--noColors'];
  if (options.optimize ?? true) argv.push('-O3', '--shrinkLevel', '1', '--noAssert');
  else argv.push('--debug');
  // asc is big (binaryen included): load it only when something is built.
  const { default: asc } = await import('assemblyscript/asc');
  let stderr = '';
  const result = await asc.main(argv, {
    stdout: { write: () => true } as never,
    stderr: {
      write: (chunk: string | Uint8Array) => {
        stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return true;
      },
    } as never,
  });
  if (result.error) {
    throw new WasmkubeError(
      'BUILD_FAILED',
      `asc failed to build ${entry}: ${result.error.message}\n${stderr.trim()}`,
      {
        cause: result.error,
        fix: `Fix the AssemblyScript errors reported above in ${entry}.`,
      },
    );
  }
  return new Uint8Array(await readFile(out));
}
