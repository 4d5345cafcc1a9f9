// Child-process entry of componentizeJs: runs componentize-js (SpiderMonkey, ~800 MB) outside the
// caller's process, with the module-resolution and filesystem fixes it needs under preview2-shim 0.26.

import { writeFile } from 'node:fs/promises';
import { registerHooks } from 'node:module';

interface ChildArgs {
  readonly source: string;
  readonly witDir: string;
  readonly world: string;
  readonly out: string;
}

const SHIM = '@bytecodealliance/preview2-shim';

// componentize-js 0.23 imports preview2-shim without depending on it; npm nests the shim under jco and
// jco-transpile, so a bare import from componentize-js fails. Resolve it from jco-transpile instead, so
// this child and componentize-js share one shim instance (the preopens below must reach it).
const shimParent = import.meta.resolve('@bytecodealliance/jco-transpile');
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (specifier !== SHIM && !specifier.startsWith(`${SHIM}/`)) throw err;
      return nextResolve(specifier, { ...context, parentURL: shimParent });
    }
  },
});

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  // preview2-shim 0.26 grants no filesystem by default; componentize-js reads the source and WIT through it.
  const { _setPreopens } = (await import(`${SHIM}/filesystem`)) as {
    _setPreopens: (preopens: Record<string, string>) => void;
  };
  _setPreopens({ '/': '/' });
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({
    sourcePath: args.source,
    witPath: args.witDir,
    worldName: args.world,
  });
  await writeFile(args.out, component);
}

main().catch((err: unknown) => {
  // The message is what the user can act on; the stack would only show componentize-js internals.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
