// Child-process entry of componentizeJs: runs componentize-js (SpiderMonkey, ~800 MB) outside the
// caller's process, with the module-resolution and filesystem fixes it needs under preview2-shim 0.26.

import { writeFile } from 'node:fs/promises';
// The shim's resolution and preopens, before componentize-js is imported (shared with Spin's builds).
import './componentize-preload.ts';

interface ChildArgs {
  readonly source: string;
  readonly witDir: string;
  readonly world: string;
  readonly out: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
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
