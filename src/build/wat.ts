// Builds a wasi:http (or any WIT world) component from a hand-written WAT core module, with the
// wasm-tools that @bytecodealliance/jco-transpile ships compiled to wasm: parse → embed WIT → component.

import { WasmkubeError } from '../errors.ts';
import { readWitSource } from './wit-source.ts';

/** The builder's identity for the build cache: bump when the output for the same input changes. */
export const WAT_BUILDER = { name: 'wat-component', version: '1' } as const;

function fail(step: string, cause: unknown, file = '<wat>'): never {
  let detail = cause instanceof Error ? cause.message : String(cause);
  // wasm-tools hands back its Rust error's Debug form: say it as `file:line:col: message` and the line.
  const pos = /line: (\d+), col: (\d+), snippet: "((?:[^"\\]|\\.)*)"/.exec(detail);
  const kind = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(detail);
  if (pos) detail = `${file}:${pos[1]}:${Number(pos[2]) + 1}: ${kind?.[1] ?? 'syntax error'}\n  ${pos[3]}`;
  throw new WasmkubeError('BUILD_FAILED', `WAT component build failed at ${step}: ${detail}`, {
    cause,
    fix:
      step === 'parse'
        ? 'Fix the WAT syntax at the position given above.'
        : 'Check that the module imports and exports match the WIT world (names, versions and core signatures).',
  });
}

/**
 * Turns WAT text of a core module into component bytes targeting `world` of the WIT in `witDir`.
 * The WIT is read as text (see wit-source.ts), so nothing needs a WASI filesystem grant.
 */
export async function buildWatComponent(
  watText: string,
  witDir: string,
  world: string,
  /** Named in parse errors. */
  file?: string,
): Promise<Uint8Array> {
  // The package exports `./wasm-tools` (dist/wasm-tools.js); loaded lazily: its init compiles ~5 MB of wasm.
  const tools = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const witSource = await readWitSource(witDir);
  let core: Uint8Array;
  try {
    core = await tools.parse(watText);
  } catch (cause) {
    fail('parse', cause, file);
  }
  let embedded: Uint8Array;
  try {
    embedded = await tools.componentEmbed({ binary: core, witSource, world, stringEncoding: 'utf8' });
  } catch (cause) {
    fail('embed', cause);
  }
  try {
    return await tools.componentNew(embedded, []);
  } catch (cause) {
    fail('component-new', cause);
  }
}
