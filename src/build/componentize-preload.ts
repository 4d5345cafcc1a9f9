// Preloaded (`node --import`) into processes that run a copy of componentize-js (ours, or the one inside
// @spinframework/build-tools): the module-resolution and filesystem fixes it needs under preview2-shim 0.26.

import { registerHooks } from 'node:module';

const SHIM = '@bytecodealliance/preview2-shim';

// componentize-js imports preview2-shim without depending on it; npm nests the shim under jco and
// jco-transpile, so a bare import from componentize-js fails. Resolve it from jco-transpile instead, so
// every componentize-js copy and this module share one shim instance (the preopens below must reach it).
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

// preview2-shim 0.26 grants no filesystem by default; componentize-js reads the source and WIT through it.
const { _setPreopens } = (await import(`${SHIM}/filesystem`)) as {
  _setPreopens: (preopens: Record<string, string>) => void;
};
_setPreopens({ '/': '/' });
