// The component engine: serves wasi:http/proxy components through jco's glue with the host's own wasi
// imports. The guest's blocking calls suspend it (JSPI) while bodies stream; an instance serves one
// request at a time, is reused ('reuse') or made per request ('fresh'), and is dropped after a failure.

import { isWasmkubeError, WasmkubeError } from '../../../errors.ts';
import type { ServiceSpec } from '../../../manifest/index.ts';
import { guestEnvironment } from '../../config/app-state.ts';
import { bindingsFiles, type ServiceBindings } from '../../core/bindings.ts';
import type { BodyReader } from '../../core/body.ts';
import type { Engine, EngineContext, EngineEvents, GuestRequest, GuestResponse } from '../../core/engine.ts';
import type { TraceContext } from '../../tracing/trace-context.ts';
import { guestFailure, nearMemoryCap } from '../failure.ts';
import { GuestClock, RunGroup, takeTurn } from '../guard.ts';
import { BudgetedLog, LogBudget } from '../log-budget.ts';
import { type MemoryPool, POOLED_MEMORY } from '../wagi/memory-pool.ts';
import { attachInterrupt } from '../wasm/interrupt.ts';
import { baseImports, GuestExit } from './base.ts';
import { configImports } from './config.ts';
import { filesystemImports } from './filesystem.ts';
import { type HttpState, httpImports, IncomingRequest, ResponseOutparam } from './http.ts';
import { ioImports, type WaitScope } from './io.ts';
import { keyValueImports } from './keyvalue.ts';
import { ONE_SHOT_MESSAGE } from './one-shot.ts';
import { InstanceSnapshot } from './snapshot.ts';
import type { GlueInstantiate } from './transpile.ts';

interface Handler {
  handle(request: IncomingRequest, out: ResponseOutparam): Promise<void>;
}

interface GuestExports {
  readonly incomingHandler?: Handler;
  readonly 'wasi:http/incoming-handler@0.2.0'?: Handler;
  /** Host resources the guest still owns (added by lean-glue.ts). */
  readonly __wasmkubeHeld?: () => number;
}

/** One instance of the component and what the host tracks for it. */
interface LiveInstance {
  readonly handler: Handler;
  readonly memories: WebAssembly.Memory[];
  /** Memories lent by a pool, given back when the instance is discarded cleanly. */
  readonly lent: [MemoryPool, WebAssembly.Memory][];
  /** 'fresh' isolation: the state it started with, put back after each clean request. */
  readonly snapshot: InstanceSnapshot | undefined;
  readonly held: () => number;
  readonly state: InstanceState;
  /** Its deadline and time slice; the handler is called through JSPI, so it can yield (guard.ts). */
  readonly clock: GuestClock;
}

interface InstanceState extends HttpState {
  /** Its request was aborted while it ran: never reused. */
  dead: boolean;
  /** The request's deadline (performance.now() ms), which bounds its outbound calls too. */
  deadline: number;
  requestId: string | undefined;
  /** The inbound span of the request it serves: the parent of its outbound calls. */
  trace: TraceContext | undefined;
}

export interface ComponentEngineOptions {
  readonly service: ServiceSpec;
  readonly instantiate: GlueInstantiate;
  /** Instrumented and compiled core modules, by the file name the glue asks for. */
  readonly modules: ReadonlyMap<string, WebAssembly.Module>;
  /** Core modules whose memory is imported from the host (`wasmkube.memory`), and where it comes from. */
  readonly pools?: ReadonlyMap<WebAssembly.Module, MemoryPool>;
  readonly events: EngineEvents;
  /** What the host gives this service beyond the request (see bindings.ts). */
  readonly bindings?: ServiceBindings;
  /** The component's versioned import names, where interface versions differ in shape (wasi:keyvalue). */
  readonly guestImports?: readonly string[];
}

/** The request itself failed (body over the limit, client gone): that, not the guest, is the error. */
function isRequestFailure(err: Error | null): err is WasmkubeError {
  return isWasmkubeError(err) && (err.code === 'BODY_TOO_LARGE' || err.code === 'CLIENT_CLOSED');
}

export class ComponentEngine implements Engine {
  readonly kind = 'component' as const;
  readonly service: ServiceSpec;
  readonly #opts: ComponentEngineOptions;
  #reuse: boolean;
  readonly #idle: LiveInstance[] = [];
  readonly #busy = new Set<LiveInstance>();
  /** Requests that failed because the guest answers one request per instance (see #oneShot). */
  readonly #oneShotRequests = new Set<string>();
  /** This service's turn in the thread's run queue (guard.ts). */
  readonly #group = new RunGroup();

  constructor(opts: ComponentEngineOptions) {
    this.#opts = opts;
    this.service = opts.service;
    this.#reuse = opts.service.isolation !== 'fresh';
  }

  /** The guest showed it answers one request per instance: from now on each request gets a fresh one. */
  #oneShot(requestId: string | undefined): void {
    if (requestId !== undefined) this.#oneShotRequests.add(requestId);
    if (!this.#reuse) return;
    this.#reuse = false;
    // Each idle instance has served a request already.
    this.#idle.length = 0;
    this.#opts.events.notice?.(
      `service '${this.service.name}' answers only one request per instance (a fetch-event guest): from now on it gets a fresh instance per request; set isolation: fresh to make that the start`,
    );
  }

  /** Instantiates once at start-up so a broken component fails before the first request. */
  async warm(): Promise<void> {
    this.#idle.push(await this.#instantiate());
  }

  async #instantiate(): Promise<LiveInstance> {
    const memories: WebAssembly.Memory[] = [];
    const lent: [MemoryPool, WebAssembly.Memory][] = [];
    const instances: WebAssembly.Instance[] = [];
    const { modules, pools, events, service } = this.#opts;
    const state: InstanceState = {
      dead: false,
      scope: null,
      deadline: Number.POSITIVE_INFINITY,
      requestId: undefined,
      trace: undefined,
    };
    // Each instance has its own deadline, so a guest resumed after a wait is held to its own request's.
    const clock = new GuestClock(this.#group);
    // stdout and stderr share one budget per request (log-budget.ts).
    const budget = new LogBudget();
    const log = (stream: 'stdout' | 'stderr') => {
      // Guest lines carry the request's trace id; the one-shot message of a fetch-event guest is seen on
      // stderr before the budget could drop it.
      const sink = {
        ...events,
        guestLog: (s: 'stdout' | 'stderr', l: string, id: string | undefined) => {
          if (stream === 'stderr' && l.includes(ONE_SHOT_MESSAGE)) this.#oneShot(state.requestId);
          events.guestLog(s, l, id, state.trace?.traceId);
        },
      };
      const lines = new BudgetedLog(stream, sink, budget, () => state.requestId);
      return {
        lines,
        sink: {
          write: (b: Uint8Array) => lines.push(b),
          capacity: 1 << 20,
          failed: false,
          drained: async () => {},
        },
      };
    };
    const stdout = log('stdout');
    const stderr = log('stderr');
    const imports = {
      ...ioImports(),
      ...httpImports(state, this.#opts.bindings?.outbound),
      ...baseImports(
        {
          env: guestEnvironment(service, this.#opts.bindings?.config),
          args: [service.name],
          stdout: stdout.sink,
          stderr: stderr.sink,
        },
        state,
      ),
      ...configImports(this.#opts.bindings?.config),
      ...keyValueImports({
        store: this.#opts.bindings?.keyValue,
        imports: this.#opts.guestImports,
        ref: state,
      }),
      // The service's /data and read-only files (none unless it declares them).
      ...filesystemImports(bindingsFiles(this.#opts.bindings)),
    };
    const exports: GuestExports = await this.#opts.instantiate(
      (name) => {
        const m = modules.get(name);
        if (!m) throw new Error(`glue asked for unknown core module ${name}`);
        return m;
      },
      imports,
      (module, coreImports) => {
        const pool = pools?.get(module);
        let imports = coreImports;
        if (pool) {
          const memory = pool.take();
          lent.push([pool, memory]);
          imports = { ...coreImports, [POOLED_MEMORY.module]: { [POOLED_MEMORY.name]: memory } };
        }
        const instance = new WebAssembly.Instance(module, imports);
        instances.push(instance);
        attachInterrupt(instance, clock.hook);
        for (const value of Object.values(instance.exports)) {
          if (value instanceof WebAssembly.Memory && !memories.includes(value)) memories.push(value);
        }
        return instance;
      },
    );
    const handler = exports.incomingHandler ?? exports['wasi:http/incoming-handler@0.2.0'];
    if (!handler || typeof handler.handle !== 'function') {
      throw new WasmkubeError(
        'WASM_UNSUPPORTED',
        `service '${service.name}' does not export wasi:http/incoming-handler`,
        {
          fix: 'build the component for the wasi:http/proxy world',
        },
      );
    }
    events.instanceCreated();
    const flush = () => {
      stdout.lines.flush();
      stderr.lines.flush();
    };
    const held = exports.__wasmkubeHeld;
    // Without the glue's count of held resources an instance cannot be proven clean: never reset it.
    const snapshot = !this.#reuse && held ? InstanceSnapshot.take(instances, memories) : undefined;
    return {
      handler,
      memories,
      lent,
      snapshot,
      held: held ?? (() => 1),
      state: Object.assign(state, { flush }),
      clock,
    };
  }

  #prewarming = false;

  #prewarm(): void {
    if (this.#prewarming || this.#idle.length > 0) return;
    this.#prewarming = true;
    this.#instantiate().then(
      (live) => {
        this.#prewarming = false;
        this.#idle.push(live);
      },
      // The request that needs it instantiates for itself and reports the failure.
      () => {
        this.#prewarming = false;
      },
    );
  }

  async handle(req: GuestRequest, ctx: EngineContext): Promise<GuestResponse> {
    // 'reuse': an idle instance that served before. 'fresh': a pristine one made ahead of time, and the
    // next one is made now, off this request's path (the guide's "pre-warm instances").
    const ready = this.#idle.pop();
    if (!this.#reuse) this.#prewarm();
    let live = ready;
    if (live === undefined) {
      // Instantiating cannot be preempted: while guests wait for the thread, it waits its turn too.
      await takeTurn(this.#group);
      live = await this.#instantiate();
    }
    const cancel = ctx.signal;
    if (cancel.aborted) {
      // The deadline passed (or the client left) while a cold instance was made: keep it for later.
      this.#idle.push(live);
      throw cancel.reason;
    }
    this.#busy.add(live);
    // An aborted request releases its instance even if the guest never returns; it is never reused.
    // Its guest stops at its next check, or at once if it waits for its time slice.
    const release = () => {
      live.state.dead = true;
      this.#busy.delete(live);
      live.clock.stop(cancel.reason);
    };
    cancel.onAbort(release);
    const state = live.state;
    live.clock.enter(ctx.deadline, this.service.limits.timeoutMs);
    state.deadline = ctx.deadline;
    state.requestId = req.requestId;
    state.trace = req.trace;
    const out = new ResponseOutparam();
    // Settled once: when the guest returns, or earlier when it has set its response and waits for I/O
    // (then the head and what it wrote so far go out while it goes on).
    let answered = false;
    let answer: (fail?: unknown) => void = () => {};
    const scope: WaitScope = {
      wait: (p) => cancel.race(p),
      onWait: () => {
        if (out.result) answer();
      },
    };
    state.scope = scope;
    const request = new IncomingRequest({
      method: req.method,
      pathWithQuery: req.pathWithQuery,
      scheme: req.scheme,
      authority: req.authority,
      headers: req.headers,
      body: req.body,
      scope: state,
    });
    return new Promise<GuestResponse>((resolve, reject) => {
      answer = (fail?: unknown) => {
        if (answered) return;
        answered = true;
        if (fail !== undefined) return reject(fail);
        try {
          resolve(this.#response(out, req.requestId));
        } catch (err) {
          reject(err);
        }
      };
      const settle = (err: unknown) => {
        cancel.off(release);
        try {
          this.#finished(live, out, err, req.body);
        } catch (failure) {
          // After the head went out, a failure reaches the client through the body writer instead.
          return answer(failure);
        }
        // The body went over the limit: whatever the guest made of the failed read, the answer is 413.
        const limit = req.body.error;
        answer(isRequestFailure(limit) ? limit : undefined);
      };
      let call: Promise<void>;
      try {
        call = live.handler.handle(request, out);
      } catch (err) {
        // The glue checks its arguments before it returns a promise.
        call = Promise.reject(err);
      }
      call.then(
        () => settle(undefined),
        (err: unknown) => settle(err),
      );
    });
  }

  /** Runs when the handler settles; rethrows a failure as the host's error kind. */
  #finished(live: LiveInstance, out: ResponseOutparam, err: unknown, body: BodyReader): void {
    this.#busy.delete(live);
    (live.state as InstanceState & { flush(): void }).flush();
    live.state.scope = null;
    live.state.deadline = Number.POSITIVE_INFINITY;
    live.clock.leave();
    const response = out.result?.tag === 'ok' ? out.result.val : undefined;
    const exited = err instanceof GuestExit;
    if (err !== undefined && !(exited && err.status.tag === 'ok' && response)) {
      // A failed instance is not reused: a trap leaves it unusable.
      const limit = body.error;
      const failure = isRequestFailure(limit)
        ? limit
        : guestFailure(err, this.service.name, nearMemoryCap(live.memories, this.service.limits.memoryBytes));
      response?.bodyWriter.fail(failure);
      throw failure;
    }
    // A guest that returns without finishing its body has nothing more to write.
    if (response && !response.bodyWriter.ended && !response.bodyWriter.error) response.bodyWriter.end();
    // An instance that called exit() had its stack unwound mid-call: its state is not to be trusted.
    if (this.#reuse && !exited && !live.state.dead) this.#idle.push(live);
    else if (!exited && !live.state.dead && live.held() === 0 && live.snapshot?.restore()) {
      // 'fresh': it holds nothing of this request and is back in the state it started with.
      this.#idle.push(live);
    } else if (!exited && !live.state.dead) {
      // Returned cleanly and will never run again: its memories are wiped and lent to the next one.
      // (An aborted instance may still resume and write, so its memory is left to the GC.)
      for (const [pool, memory] of live.lent) pool.give(memory);
    }
  }

  #response(out: ResponseOutparam, requestId: string | undefined): GuestResponse {
    const result = out.result;
    if (result === undefined && requestId !== undefined && this.#oneShotRequests.delete(requestId)) {
      throw new WasmkubeError(
        'GUEST_TRAP',
        `service '${this.service.name}' answers one request per instance (a fetch-event guest) and was given a used one; the next requests get a fresh instance each`,
        {
          fix: `set services.${this.service.name}.isolation to fresh (or auto), or --isolation fresh with --from`,
        },
      );
    }
    if (result === undefined) {
      throw new WasmkubeError(
        'GUEST_TRAP',
        `service '${this.service.name}' returned without setting a response`,
        {
          fix: 'call response-outparam.set before the handler returns',
        },
      );
    }
    if (result.tag === 'err') {
      throw new WasmkubeError(
        'GUEST_TRAP',
        `service '${this.service.name}' answered with an error: ${JSON.stringify(result.val)}`,
        { fix: 'see the guest logs for this request id' },
      );
    }
    const res = result.val;
    return { status: res.status, headers: res.headersField.toPairs(), body: res.bodyWriter };
  }

  memoryBytes(): number {
    let n = 0;
    for (const live of [...this.#idle, ...this.#busy])
      for (const m of live.memories) n += m.buffer.byteLength;
    return n;
  }

  close(): void {
    this.#idle.length = 0;
  }
}
