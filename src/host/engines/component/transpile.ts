// Transpiles a component with jco into JS glue plus core modules, once per component digest: the output
// is cached on disk under the component's sha256 and loaded from there by later starts.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmkubeError } from '../../../errors.ts';
import { cacheDir } from '../cache-dir.ts';
import { BLOCKING_IMPORTS } from './io.ts';
import { KEYVALUE_ASYNC_IMPORTS } from './keyvalue.ts';
import { leanGlue } from './lean-glue.ts';

/** Bump when the options below or the post-processing change, so old cache entries are not reused. */
const GLUE_VERSION = 'jco-transpile-0.1.1-lean-7';

export interface TranspiledComponent {
  readonly digest: string;
  /** The glue's `instantiate(getCoreModule, imports, instantiateCore)`. */
  readonly instantiate: GlueInstantiate;
  /** Core module file name → bytes, as the glue asks for them. */
  readonly coreModules: ReadonlyMap<string, Uint8Array>;
}

export type GlueInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => WebAssembly.Instance,
) => Promise<Record<string, unknown>>;

/** Per thread, by digest: services that run the same component share one glue module. */
const memo = new Map<string, Promise<TranspiledComponent>>();

export function transpileComponent(bytes: Uint8Array, source: string): Promise<TranspiledComponent> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  // Keyed by the cache folder too: packaging fills a staging cache per image and must find it written.
  const key = `${cacheDir('transpiled')}:${digest}`;
  const known = memo.get(key);
  if (known) return known;
  const p = load(bytes, source, digest);
  memo.set(key, p);
  p.catch(() => memo.delete(key));
  return p;
}

async function load(bytes: Uint8Array, source: string, digest: string): Promise<TranspiledComponent> {
  const dir = cacheDir('transpiled', `${digest}-${GLUE_VERSION}`);
  let files: Map<string, Uint8Array>;
  let glueUrl = pathToFileURL(join(dir, 'guest.js')).href;
  try {
    files = await readEntry(dir);
  } catch {
    files = await transpileFresh(bytes, source);
    try {
      await writeEntry(dir, files);
    } catch {
      // No writable cache (a read-only root filesystem): load the glue from memory instead.
      glueUrl = `data:text/javascript;base64,${Buffer.from(files.get('guest.js')!).toString('base64')}`;
    }
  }
  const glue = (await import(glueUrl)) as { instantiate: GlueInstantiate };
  const coreModules = new Map([...files].filter(([name]) => name.endsWith('.wasm')));
  return { digest, instantiate: glue.instantiate, coreModules };
}

async function transpileFresh(bytes: Uint8Array, source: string): Promise<Map<string, Uint8Array>> {
  const { transpileBytes } = await import('jco-transpile-lean');
  let result: Awaited<ReturnType<typeof transpileBytes>>;
  try {
    result = await transpileBytes(bytes, {
      name: 'guest',
      instantiation: 'async',
      // JSPI: the blocking wasi:io calls suspend the guest while the host waits for the socket, so
      // bodies stream in both directions without blocking the thread.
      asyncMode: 'jspi',
      asyncImports: [...BLOCKING_IMPORTS, ...KEYVALUE_ASYNC_IMPORTS],
      asyncExports: ['wasi:http/incoming-handler#handle'],
      noTypescript: true,
      // Every core module stays a separate file so the host can instrument and compile it once.
      base64Cutoff: Number.MAX_SAFE_INTEGER,
    } as Parameters<typeof transpileBytes>[1]);
  } catch (cause) {
    throw new WasmkubeError(
      'WASM_INVALID',
      `${source}: the component could not be transpiled: ${String(cause)}`,
      {
        cause,
        fix: 'check that it is a wasi:http/proxy 0.2 component (`wasm-tools component wit` shows its world)',
      },
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(result.files)) {
    if (name === 'guest.js') files.set(name, Buffer.from(leanGlue(Buffer.from(data).toString('utf8'))));
    else if (name.endsWith('.wasm')) files.set(name, data);
  }
  if (!files.has('guest.js')) {
    throw new WasmkubeError('WASM_INVALID', `${source}: transpiling produced no glue module`, {
      fix: 'report this as a bug with the component attached',
    });
  }
  return files;
}

async function readEntry(dir: string): Promise<Map<string, Uint8Array>> {
  const names = await readdir(dir);
  if (!names.includes('guest.js')) throw new Error('incomplete cache entry');
  const files = new Map<string, Uint8Array>();
  for (const name of names) files.set(name, await readFile(join(dir, name)));
  return files;
}

async function writeEntry(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  // Written aside and renamed into place, so a concurrent reader never sees half an entry.
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(tmp, { recursive: true });
    for (const [name, data] of files) await writeFile(join(tmp, name), data);
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    // Another process put the same entry in place first: theirs is as good as ours.
    if (
      !(await readEntry(dir).then(
        () => true,
        () => false,
      ))
    )
      throw err;
  }
}
