// Spots components that can answer only one request per instance: fetch-event guests of componentize-js
// (Spin's JS SDK, `addEventListener('fetch')`), whose second `respondWith` throws in the same instance.

import { detectWasmKind } from '../wasm/kind.ts';

/** What such a guest prints on stderr when it is called a second time. */
export const ONE_SHOT_MESSAGE = "respondWith can't be called twice";

/**
 * A StarlingMonkey core module (componentize-js: `wizer.resume`, `check_init`) exporting
 * `wasi:http/incoming-handler@V#handle` from the engine's built-in fetch event rather than from a JS
 * `incomingHandler` export, which componentize-js gives a `cabi_post_…#handle` post-return.
 */
export function isFetchEventGuest(coreModules: Iterable<Uint8Array>): boolean {
  for (const bytes of coreModules) {
    const kind = detectWasmKind(bytes);
    if (kind.kind !== 'module') continue;
    const names = new Set(kind.exports.map((e) => e.name));
    if (!names.has('wizer.resume') || !names.has('check_init')) continue;
    for (const name of names) {
      if (/^wasi:http\/incoming-handler@[^#]+#handle$/.test(name) && !names.has(`cabi_post_${name}`))
        return true;
    }
  }
  return false;
}
