// The WAGI engine: a WASI preview1 command run CGI style, one fresh instance per request, body on
// stdin, response parsed from stdout, stderr lines to the log.

import { WasmkubeError } from '../../../errors.ts';
import type { ServiceSpec } from '../../../manifest/index.ts';
import { guestEnvironment } from '../../config/app-state.ts';
import { bindingsFiles, type ServiceBindings } from '../../core/bindings.ts';
import { BodyWriter, concatBytes } from '../../core/body.ts';
import type { Engine, EngineContext, EngineEvents, GuestRequest, GuestResponse } from '../../core/engine.ts';
import { InstanceSnapshot } from '../component/snapshot.ts';
import { guestFailure, nearMemoryCap } from '../failure.ts';
import { GuestClock, RunGroup } from '../guard.ts';
import { BudgetedLog, LogBudget } from '../log-budget.ts';
import { attachInterrupt, promising } from '../wasm/interrupt.ts';
import { cgiEnvironment, MAX_CGI_HEAD, parseCgiOutput } from './cgi.ts';
import { type MemoryPool, POOLED_MEMORY } from './memory-pool.ts';
import { createPreview1, type Preview1Options, ProcExit } from './preview1.ts';

/** Reset instances kept per service and thread, for concurrent requests. */
const MAX_RESIDENT = 8;

/** An instance with its own WASI imports, which `reset` points at each new request. */
interface Resident {
  readonly instance: WebAssembly.Instance;
  readonly memory: WebAssembly.Memory;
  /** Its memory came from the pool (and goes back there when the instance is let go). */
  readonly pooled: boolean;
  readonly wasi: ReturnType<typeof createPreview1>;
  readonly snapshot: InstanceSnapshot | undefined;
  /** Its deadline and time slice (see guard.ts). */
  readonly clock: GuestClock;
  /** `_start`, called through JSPI so that the guest can yield its thread while it computes. */
  readonly start: () => Promise<void>;
}

export class WagiEngine implements Engine {
  readonly kind = 'wagi' as const;
  readonly service: ServiceSpec;
  readonly #module: WebAssembly.Module;
  readonly #events: EngineEvents;
  /** Set when the module imports its memory from the host (see load.ts): instances share recycled ones. */
  readonly #memories: MemoryPool | undefined;
  /** The module exports its state (see instrument.ts `exportState`): instances can be reset and reused. */
  readonly #snapshots: boolean;
  readonly #resident: Resident[] = [];
  /** This service's turn in the thread's run queue (guard.ts). */
  readonly #group = new RunGroup();
  #liveMemory = 0;
  /** What the host gives this service beyond the request (see bindings.ts). */
  readonly bindings: ServiceBindings;

  constructor(
    service: ServiceSpec,
    module: WebAssembly.Module,
    events: EngineEvents,
    memories?: MemoryPool,
    snapshots = false,
    bindings?: ServiceBindings,
  ) {
    this.bindings = bindings ?? { service: service.name };
    this.#snapshots = snapshots;
    this.service = service;
    this.#module = module;
    this.#events = events;
    this.#memories = memories;
  }

  async handle(req: GuestRequest, ctx: EngineContext): Promise<GuestResponse> {
    // CGI needs the whole body on stdin before the guest starts; the reader enforces the limit.
    const stdin = await req.body.readAll();
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const out: Uint8Array[] = [];
    let outBytes = 0;
    const outputLimit = Math.max(this.service.limits.memoryBytes, 1 << 20);
    const errLines = new BudgetedLog(
      'stderr',
      { ...this.#events, guestLog: (s, l, id) => this.#events.guestLog(s, l, id, req.trace?.traceId) },
      new LogBudget(),
      () => req.requestId,
    );
    const query = req.pathWithQuery.includes('?') ? req.pathWithQuery.split('?')[1]! : '';
    const io: Preview1Options = {
      args: [this.service.name, ...(query ? query.split('&').map(safeDecode) : [])],
      env: () => cgiEnvironment(req, guestEnvironment(this.service, this.bindings.config), stdin.length),
      stdin,
      stdout: (c) => {
        // CGI output is held until the guest exits: bounded like the guest's own memory.
        if (outBytes + c.length > outputLimit) {
          throw new WasmkubeError(
            'GUEST_RESPONSE',
            `service '${this.service.name}' printed more than ${outputLimit} bytes of response`,
            { fix: 'send a smaller response, or raise limits.memory (which bounds a WAGI response)' },
          );
        }
        out.push(c);
        outBytes += c.length;
      },
      stderr: (c) => errLines.push(c),
    };
    // A resident instance reset to its first state serves like a fresh one, without instantiating.
    let resident = this.#resident.pop();
    if (resident) resident.wasi.reset(io);
    let memory: WebAssembly.Memory | undefined = resident?.memory;
    let clean = false;
    try {
      resident ??= this.#instantiate(io);
      memory = resident.memory;
      const held = memory.buffer.byteLength;
      this.#liveMemory += held;
      const clock = resident.clock;
      clock.enter(ctx.deadline, this.service.limits.timeoutMs);
      // An aborted request (deadline, client gone, shutdown) stops its guest, even one waiting its turn.
      const stop = () => clock.stop(ctx.signal.reason);
      ctx.signal.onAbort(stop);
      try {
        await resident.start();
        clean = true;
      } finally {
        ctx.signal.off(stop);
        clock.leave();
        this.#liveMemory -= held;
      }
    } catch (err) {
      if (!(err instanceof ProcExit && err.code === 0)) {
        errLines.flush();
        const atCap = memory !== undefined && nearMemoryCap([memory], this.service.limits.memoryBytes);
        if (err instanceof ProcExit) {
          throw guestFailure(new Error(`guest exited with code ${err.code}`), this.service.name, atCap);
        }
        throw guestFailure(err, this.service.name, atCap);
      }
      clean = true;
    } finally {
      // Output chunks are copies: the instance can be reset or its memory wiped at once.
      if (resident) this.#release(resident, clean);
    }
    errLines.flush();
    // Only the chunks that can hold the header block are joined; the body goes out as written, so a
    // large response is never held twice.
    let joined = 0;
    let headBytes = 0;
    while (joined < out.length && headBytes <= MAX_CGI_HEAD + 1024) headBytes += out[joined++]!.length;
    const cgi = parseCgiOutput(concatBytes(out.slice(0, joined), headBytes));
    if (typeof cgi === 'string') {
      throw new WasmkubeError(
        'GUEST_RESPONSE',
        `service '${this.service.name}' wrote an invalid CGI response: ${cgi}`,
        {
          fix: 'print the response headers, an empty line, then the body',
        },
      );
    }
    const body = new BodyWriter();
    body.write(cgi.body);
    for (let i = joined; i < out.length; i++) body.write(out[i]!);
    out.length = 0;
    body.end();
    return { status: cgi.status, headers: cgi.headers, body };
  }

  /** A new instance for `io`; a snapshot of its first state is taken when it is small enough. */
  #instantiate(io: Preview1Options): Resident {
    // The service's preopens (fd 3 and up); reset to just those before each request (see #release).
    // Its _start runs under promising (#run): a sleep suspends the guest, not the thread.
    const wasi = createPreview1(io, bindingsFiles(this.bindings), true);
    const pooled = this.#memories?.take();
    const instance = new WebAssembly.Instance(
      this.#module,
      pooled
        ? { wasi_snapshot_preview1: wasi.imports, [POOLED_MEMORY.module]: { [POOLED_MEMORY.name]: pooled } }
        : { wasi_snapshot_preview1: wasi.imports },
    );
    this.#events.instanceCreated();
    const memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) {
      if (pooled) this.#memories!.give(pooled);
      throw new WasmkubeError('WASM_UNSUPPORTED', `service '${this.service.name}' exports no memory`, {
        fix: 'build the module as a WASI command that exports its memory',
      });
    }
    wasi.bind(memory);
    const clock = new GuestClock(this.#group);
    attachInterrupt(instance, clock.hook);
    const snapshot = this.#snapshots ? InstanceSnapshot.take([instance], [memory]) : undefined;
    const start = promising(instance.exports._start as () => void);
    return { instance, memory, pooled: pooled !== undefined, wasi, snapshot, clock, start };
  }

  /** After a request: reset and keep the instance, or let it go (its pooled memory wiped for reuse). */
  #release(resident: Resident, clean: boolean): void {
    // What the request opened is closed now; a kept instance gets its preopens back on reset.
    resident.wasi.close();
    if (clean && resident.snapshot?.restore() && this.#resident.length < MAX_RESIDENT) {
      this.#resident.push(resident);
      return;
    }
    if (resident.pooled) this.#memories!.give(resident.memory);
  }

  memoryBytes(): number {
    return this.#liveMemory;
  }

  close(): void {}
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}
