// The catalog of test guests (sources under guests/) and guestPath(), which builds one through the
// build cache on first use and returns the .wasm path: tests never depend on committed binaries.

import { fileURLToPath } from 'node:url';
import { hasWasiClang } from '../../src/build/clang.ts';
import { type BuildSpec, buildCached } from '../../src/build/index.ts';

export type GuestName =
  | 'hello-component'
  | 'counter-component'
  | 'echo-component'
  | 'spin-component'
  | 'chatty-component'
  | 'js-component'
  | 'wagi-hello'
  | 'wagi-test'
  | 'wagi-hostile'
  | 'wagi-c';

export interface GuestInfo {
  /** `component`: wasi:http/proxy 0.2 component; `wagi`: WASI preview1 command speaking CGI. */
  readonly engine: 'component' | 'wagi';
  readonly spec: BuildSpec;
  /** A toolchain that may be missing on this machine; see guestAvailable(). */
  readonly needs?: 'wasi-clang';
  readonly description: string;
}

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const WIT = root('wit');

export const GUESTS: Readonly<Record<GuestName, GuestInfo>> = {
  'hello-component': {
    engine: 'component',
    spec: { kind: 'wat', source: root('guests/wat/hello-component.wat'), witDir: WIT },
    description: 'every request → 200 text/plain "hello from wasm\\n" (~7 KB)',
  },
  'counter-component': {
    engine: 'component',
    spec: { kind: 'wat', source: root('guests/wat/counter-component.wat'), witDir: WIT },
    description: 'counts requests in a global and in memory: "global=G memory=M\\n" (isolation checks)',
  },
  'echo-component': {
    engine: 'component',
    spec: { kind: 'wat', source: root('guests/wat/echo-component.wat'), witDir: WIT },
    description: 'streams the request body back, 200 application/octet-stream',
  },
  'spin-component': {
    engine: 'component',
    spec: { kind: 'wat', source: root('guests/wat/spin-component.wat'), witDir: WIT },
    description:
      '/spin… loops forever in the handler; a path over 1024 bytes loops in cabi_realloc; else hello',
  },
  'chatty-component': {
    engine: 'component',
    spec: { kind: 'wat', source: root('guests/wat/chatty-component.wat'), witDir: WIT },
    description: 'writes 4 MiB of 64-byte lines to stderr per request, then 200 "chatty\\n" (log budget)',
  },
  'js-component': {
    engine: 'component',
    spec: {
      kind: 'js',
      source: root('guests/js/js-component.js'),
      witDir: WIT,
      world: 'wasmkube:guests/http-service@0.1.0',
    },
    description:
      'componentize-js guest: /hello /echo /headers /env /loop /trap /grow?mb=N /log /status/NNN /stream?chunks=N',
  },
  'wagi-hello': {
    engine: 'wagi',
    spec: { kind: 'assemblyscript', source: root('guests/as/wagi-hello.ts') },
    description: 'prints Content-Type: text/plain and "hello from wagi\\n"',
  },
  'wagi-test': {
    engine: 'wagi',
    spec: { kind: 'assemblyscript', source: root('guests/as/wagi-test.ts') },
    description:
      'PATH_INFO dispatch: /hello /echo /env /loop /grow[?mb=N] /trap /log /created /redirect /args, else 404',
  },
  'wagi-hostile': {
    engine: 'wagi',
    spec: { kind: 'assemblyscript', source: root('guests/as/wagi-hostile.ts') },
    description: 'tries the host bounds: /big?mb=N body, /head?kb=N CGI headers, /stderr?mb=N, /env',
  },
  'wagi-c': {
    engine: 'wagi',
    spec: { kind: 'c', source: root('guests/c/wagi-c.c') },
    needs: 'wasi-clang',
    description: 'C guest: /echo copies stdin with CONTENT_TYPE, anything else "hello from c\\n"',
  },
};

/** The repository's build cache, whatever the current directory of the test process. */
export const GUEST_CACHE_DIR = root('.cache/wasmkube/build');

/** False when the guest's toolchain is missing here (only wagi-c, without clang for wasm32-wasi). */
export function guestAvailable(name: GuestName): boolean {
  return GUESTS[name].needs !== 'wasi-clang' || hasWasiClang();
}

/**
 * Absolute path of the guest's .wasm, built on first use (js-component: 10–50 s) and cached by content
 * under .cache/wasmkube/build; parallel test processes wait for one build instead of racing.
 */
export async function guestPath(name: GuestName): Promise<string> {
  const info = GUESTS[name];
  if (!info) throw new Error(`unknown guest ${String(name)}; known: ${Object.keys(GUESTS).join(', ')}`);
  return (await buildCached(info.spec, { cacheDir: GUEST_CACHE_DIR })).path;
}
