// Turns a service's .wasm file into a ready engine: detects the kind (component or WAGI command),
// instruments every core module for the service's limits, compiles once, and fails with the path
// and the reason when the file is missing, corrupt or of neither kind.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isWasmkubeError, WasmkubeError } from '../../errors.ts';
import type { ServiceSpec } from '../../manifest/index.ts';
import { componentWorld } from '../../oci/component-world.ts';
import type { ServiceBindings } from '../core/bindings.ts';
import type { Engine, EngineEvents } from '../core/engine.ts';
import { ComponentEngine } from './component/engine.ts';
import { isFetchEventGuest } from './component/one-shot.ts';
import { transpileComponent } from './component/transpile.ts';
import { WagiEngine } from './wagi/engine.ts';
import { MAX_POOLED_PAGES, MemoryPool, POOLED_MEMORY } from './wagi/memory-pool.ts';
import { instrumentModule } from './wasm/instrument.ts';
import { detectWasmKind, isWagiCommand } from './wasm/kind.ts';

export async function readServiceWasm(service: ServiceSpec): Promise<{ bytes: Uint8Array; path: string }> {
  if (service.source.kind !== 'file') {
    throw new WasmkubeError(
      'WASM_UNSUPPORTED',
      `service '${service.name}': OCI sources are not supported yet`,
      {
        fix: 'point source at a local .wasm file',
      },
    );
  }
  const path = service.source.path;
  try {
    return { bytes: await readFile(path), path };
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new WasmkubeError(
      'WASM_NOT_FOUND',
      `service '${service.name}': cannot read ${path}: ${missing ? 'no such file' : String(cause)}`,
      {
        cause,
        fix: service.build
          ? `build it first (\`wasmkube build\` runs: ${service.build.command ?? `the ${service.build.toolchain} toolchain on ${service.build.entry}`})`
          : `check the path (services.${service.name}.source in wasmkube.yaml, or the file given to --from)`,
      },
    );
  }
}

/**
 * Compiled modules by content digest and memory cap: services that run the same module (a thousand
 * copies on distinct routes, say) compile it once per thread.
 */
const compiled = new Map<string, Promise<Compiled>>();

export interface Compiled {
  readonly module: WebAssembly.Module;
  /** Set when the module's memory became an import (`wasmkube.memory`) the host provides. */
  readonly memory?: { readonly initialPages: number; readonly maximumPages: number | undefined };
}
/** Component digests that instantiated once in this thread: later services with them start cold. */
const validated = new Set<string>();

/**
 * This thread's compiled modules, for other serving threads (a compiled module crosses threads as a
 * handle: its machine code is shared, not compiled again).
 */
export async function compiledModules(): Promise<[string, Compiled][]> {
  const out: [string, Compiled][] = [];
  for (const [key, p] of compiled) {
    const c = await p.catch(() => undefined);
    if (c) out.push([key, c]);
  }
  return out;
}

/** Takes another thread's compiled modules (see compiledModules) before any service is loaded. */
export function useCompiledModules(entries: readonly [string, Compiled][]): void {
  for (const [key, c] of entries) if (!compiled.has(key)) compiled.set(key, Promise.resolve(c));
}

function compile(
  bytes: Uint8Array,
  service: ServiceSpec,
  what: string,
  poolMemory = false,
  exportState = false,
): Promise<Compiled> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  const key = `${digest}:${service.limits.memoryBytes}:${poolMemory}:${exportState}`;
  const known = compiled.get(key);
  if (known) return known;
  const p = compileFresh(bytes, service, what, poolMemory, exportState);
  compiled.set(key, p);
  // A module that does not compile is not cached: each service that uses it reports it under its name.
  p.catch(() => compiled.delete(key));
  return p;
}

async function compileFresh(
  bytes: Uint8Array,
  service: ServiceSpec,
  what: string,
  poolMemory: boolean,
  exportState: boolean,
): Promise<Compiled> {
  try {
    const options = { maxMemoryBytes: service.limits.memoryBytes, interrupt: true, exportState };
    let { bytes: out, instrumented } = instrumentModule(bytes, {
      ...options,
      importMemory: poolMemory ? POOLED_MEMORY : undefined,
    });
    const pages = instrumented.importedMemory?.initialPages ?? 0;
    if (pages > MAX_POOLED_PAGES) {
      // Wiping a big memory for reuse costs more than a fresh mapping, which the kernel zeroes lazily.
      ({ bytes: out, instrumented } = instrumentModule(bytes, options));
    }
    return { module: await WebAssembly.compile(out), memory: instrumented.importedMemory };
  } catch (cause) {
    if (isWasmkubeError(cause)) {
      throw new WasmkubeError(cause.code, `service '${service.name}' (${what}): ${cause.message}`, {
        cause,
        fix: cause.fix,
      });
    }
    throw new WasmkubeError('WASM_INVALID', `service '${service.name}' (${what}): ${String(cause)}`, {
      cause,
      fix: 'rebuild the module; `wasm-tools validate` shows what is wrong with it',
    });
  }
}

export async function loadEngine(
  service: ServiceSpec,
  events: EngineEvents,
  bindings: ServiceBindings = { service: service.name },
): Promise<Engine> {
  const { bytes, path } = await readServiceWasm(service);
  let kind: ReturnType<typeof detectWasmKind>;
  try {
    kind = detectWasmKind(bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new WasmkubeError(
      'WASM_INVALID',
      `service '${service.name}': ${path} is not a valid wasm file: ${reason}`,
      {
        cause,
        fix: 'point source at a wasi:http component or a WASI command module (WAGI)',
      },
    );
  }
  if (kind.kind === 'component') {
    const transpiled = await transpileComponent(bytes, path);
    if (service.isolation !== 'fresh' && isFetchEventGuest(transpiled.coreModules.values())) {
      if (service.isolation === 'auto') {
        events.notice?.(
          `service '${service.name}' is a fetch-event guest (addEventListener('fetch'), Spin's JS SDK), which answers one request per instance: it gets a fresh instance per request (isolation: fresh)`,
        );
        service = { ...service, isolation: 'fresh' };
      } else {
        events.notice?.(
          `service '${service.name}' is a fetch-event guest, which answers one request per instance, but its isolation is 'reuse': every request after the first on an instance will fail; set isolation: fresh (or auto)`,
        );
      }
    }
    const modules = new Map<string, WebAssembly.Module>();
    const pools = new Map<WebAssembly.Module, MemoryPool>();
    // Only 'fresh' instances are thrown away after each request: theirs are the memories worth recycling.
    const fresh = service.isolation === 'fresh';
    for (const [name, core] of transpiled.coreModules) {
      const { module, memory } = await compile(core, service, `${path} ${name}`, fresh, fresh);
      modules.set(name, module);
      if (memory) pools.set(module, new MemoryPool(memory));
    }
    const engine = new ComponentEngine({
      service,
      instantiate: transpiled.instantiate,
      modules,
      pools,
      events,
      bindings,
      guestImports: componentWorld(bytes)?.imports,
    });
    // The first service with this component instantiates now, so a broken one fails at start-up; the
    // others (copies on other routes) cost nothing until their first request.
    const key = `${transpiled.digest}:${service.limits.memoryBytes}`;
    if (validated.has(key) && service.isolation !== 'fresh') return engine;
    try {
      await engine.warm();
      validated.add(key);
    } catch (cause) {
      if (isWasmkubeError(cause)) throw cause;
      throw new WasmkubeError(
        'WASM_UNSUPPORTED',
        `service '${service.name}': ${path} could not be instantiated: ${cause instanceof Error ? cause.message : cause}`,
        {
          cause,
          fix: 'the host serves the wasi:http/proxy 0.2 world; check the component imports nothing else',
        },
      );
    }
    return engine;
  }
  if (!isWagiCommand(kind)) {
    throw new WasmkubeError(
      'WASM_UNSUPPORTED',
      `service '${service.name}': ${path} is a core module but not a WASI command (no _start export, or imports beyond wasi_snapshot_preview1)`,
      { fix: 'build it as a WASI preview1 command for WAGI, or as a wasi:http/proxy component' },
    );
  }
  const { module, memory } = await compile(bytes, service, path, true, true);
  return new WagiEngine(service, module, events, memory && new MemoryPool(memory), true, bindings);
}
