// Child process that builds a fetch-event JS guest with the componentize-js that Spin's JS SDK ships
// (@spinframework/build-tools), against the SDK's wasi:http 0.2.3 world, the way `j2w` does.

import { realpath, writeFile } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const [source, out] = process.argv.slice(2) as [string, string];
const SHIM = '@bytecodealliance/preview2-shim';
// componentize-js imports preview2-shim without depending on it: resolve it from jco-transpile's copy,
// the one whose preopens are set below (see src/build/componentize-child.ts).
const shimParent = import.meta.resolve('@bytecodealliance/jco-transpile');
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === SHIM || specifier.startsWith(`${SHIM}/`))
      return next(specifier, { ...context, parentURL: shimParent });
    return next(specifier, context);
  },
});
const { _setPreopens } = (await import(`${SHIM}/filesystem`)) as {
  _setPreopens: (p: Record<string, string>) => void;
};
_setPreopens({ '/': '/' });
const pkg = new URL('../../node_modules/@spinframework/build-tools/', import.meta.url);
const entry = await realpath(
  new URL('node_modules/@bytecodealliance/componentize-js/src/componentize.js', pkg),
);
const { componentize } = (await import(pathToFileURL(entry).href)) as {
  componentize: (o: object) => Promise<{ component: Uint8Array }>;
};
const wit = await realpath(new URL('../../node_modules/@spinframework/wasi-http-proxy/wit', import.meta.url));
const { component } = await componentize({ sourcePath: source, witPath: wit, worldName: 'http-trigger' });
await writeFile(out, component);
