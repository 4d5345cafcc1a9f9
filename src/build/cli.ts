// A low-level build entry for one guest through the content cache, kept for scripts (apps use declared
// toolchains): `node src/build/cli.ts <js|wat|assemblyscript|c> <source> -o <out> [--wit dir] [--world name]`.

import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isWasmkubeError, WasmkubeError } from '../errors.ts';
import { type BuildKind, type BuildSpec, buildCached } from './index.ts';

const KINDS: readonly BuildKind[] = ['js', 'wat', 'assemblyscript', 'c'];
const USAGE = `usage: node src/build/cli.ts <${KINDS.join('|')}> <source> -o <out.wasm> [--wit <dir>] [--world <name>] [--no-optimize]`;
/** The WIT vendored in this repository, used when --wit is not given. */
const REPO_WIT = fileURLToPath(new URL('../../wit', import.meta.url));

function specFor(
  kind: BuildKind,
  source: string,
  wit: string,
  world: string | undefined,
  optimize: boolean,
): BuildSpec {
  switch (kind) {
    case 'js':
    case 'wat':
      return { kind, source, witDir: wit, world };
    case 'assemblyscript':
      return { kind, source, optimize };
    case 'c':
      return { kind, source };
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      wit: { type: 'string' },
      world: { type: 'string' },
      'no-optimize': { type: 'boolean', default: false },
    },
  });
  const [kind, source] = positionals;
  if (!KINDS.includes(kind as BuildKind) || source === undefined || values.out === undefined) {
    throw new WasmkubeError('BAD_ARGUMENT', `build needs a kind, a source and -o; got ${argv.join(' ')}`, {
      fix: USAGE,
    });
  }
  const spec = specFor(
    kind as BuildKind,
    source,
    values.wit ?? REPO_WIT,
    values.world,
    !values['no-optimize'],
  );
  const started = Date.now();
  const { path, hit } = await buildCached(spec);
  const out = resolve(values.out);
  await mkdir(dirname(out), { recursive: true });
  await copyFile(path, out);
  process.stderr.write(`built ${out} (${hit ? 'cached' : `${Date.now() - started} ms`})\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (isWasmkubeError(err)) {
    process.stderr.write(`error ${err.code}: ${err.message}\n${err.fix ? `fix: ${err.fix}\n` : ''}`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(70);
});
