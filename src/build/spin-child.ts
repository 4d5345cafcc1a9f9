// Child-process entry of the `spin` toolchain: the steps of @spinframework/build-tools' `j2w` (WIT
// merged from the app's dependencies, its precompile pass, its componentize-js), failing loudly.

import { existsSync, realpathSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

interface ChildArgs {
  /** The esbuild bundle of the guest. */
  readonly bundle: string;
  /** Folder with the app's package.json (its dependencies name the WIT worlds). */
  readonly appDir: string;
  readonly out: string;
}

interface TargetWorld {
  readonly packageName: string;
  readonly worldName: string;
}

const TOOLS = '@spinframework/build-tools';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  const root = dirname(dirname(new URL(import.meta.resolve(`${TOOLS}/dist/index.js`)).pathname));
  const deps = (await import(join(root, 'dist/wasiDepsParser.js'))) as {
    getPackagesWithWasiDeps: (dir: string, visited: Set<string>, top: boolean) => unknown[];
    processWasiDeps: (deps: unknown[]) => { witPaths: string[]; targetWorlds: TargetWorld[] };
  };
  const { mergeWit } = (await import(join(root, 'lib/wit_tools.js'))) as {
    mergeWit: (paths: string[], worlds: unknown[], name: string, pkg: string) => string;
  };
  const { precompile } = (await import(join(root, 'dist/precompile.js'))) as {
    precompile: (src: string, file: string, strip: boolean, name: string) => { content: string };
  };
  // Its own componentize-js (0.19): the current one builds fetch-event guests only against wasi:http 0.2.10.
  const nested = join(root, 'node_modules/@bytecodealliance/componentize-js/src/componentize.js');
  const { componentize } = (await import(
    existsSync(nested) ? nested : '@bytecodealliance/componentize-js'
  )) as {
    componentize: (opts: { sourcePath: string; witWorld: string }) => Promise<{ component: Uint8Array }>;
  };
  const { witPaths, targetWorlds } = deps.processWasiDeps(
    deps.getPackagesWithWasiDeps(args.appDir, new Set(), true),
  );
  if (!targetWorlds.some((w) => w.packageName.startsWith('spinframework:http-trigger'))) {
    throw new Error(
      `${join(args.appDir, 'package.json')} has no dependency with an HTTP trigger world: add "@spinframework/wasi-http-proxy" to its dependencies`,
    );
  }
  // The WIT reader follows no symlinks (node_modules is often one): give it real paths.
  const inlineWit = mergeWit(
    witPaths.map((p) => realpathSync(p)),
    targetWorlds,
    'combined',
    'combined-wit:combined-wit@0.3.0',
  );
  const source = await readFile(args.bundle, 'utf8');
  const precompiled = precompile(source, args.bundle, true, 'precompiled-source.js').content;
  const precompiledPath = `${args.bundle}.precompiled.js`;
  await writeFile(precompiledPath, precompiled);
  const { component } = await componentize({
    sourcePath: precompiledPath,
    witWorld: inlineWit,
  });
  await writeFile(args.out, component);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
