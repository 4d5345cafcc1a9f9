// The component engine: serves wasi:http/proxy components through jco's glue with the host's own
// wasi imports. An instance is reused across requests ('reuse') or made per request ('fresh'); an
// instance that trapped or ran out of time is thrown away.

import { WasmkubeError } from '../../errors.ts';
import type { ServiceSpec } from '../../manifest/index.ts';
import type { BodyWriter } from '../body.ts';
import type { Engine, EngineContext, EngineEvents, GuestRequest, GuestResponse } from '../engine.ts';
import { guestFailure, nearMemoryCap } from '../failure.ts';
import { enterGuest, leaveGuest } from '../guard.ts';
import { LineSplitter } from '../line-splitter.ts';
import { attachInterrupt, type InterruptHook } from '../wasm/interrupt.ts';
import { baseImports, GuestExit } from './base.ts';
import { type Fields, httpImports, IncomingRequest, ResponseOutparam } from './http.ts';
import { ioImports } from './io.ts';
import type { GlueInstantiate } from './transpile.ts';

interface Handler {
  handle(request: IncomingRequest, out: ResponseOutparam): void;
}

interface LiveInstance {
  readonly handler: Handler;
  readonly memories: WebAssembly.Memory[];
}

export interface ComponentEngineOptions {
  readonly service: ServiceSpec;
  readonly instantiate: GlueInstantiate;
  /** Instrumented and compiled core modules, by the file name the glue asks for. */
  readonly modules: ReadonlyMap<string, WebAssembly.Module>;
  readonly events: EngineEvents;
  readonly hook: InterruptHook;
}

export class ComponentEngine implements Engine {
  readonly kind = 'component' as const;
  readonly service: ServiceSpec;
  readonly #opts: ComponentEngineOptions;
  readonly #reuse: boolean;
  #idle: LiveInstance | null = null;
  /** The request whose guest code is running now: stdout/stderr lines are tagged with it. */
  #currentRequest: string | undefined;
  readonly #stdout: LineSplitter;
  readonly #stderr: LineSplitter;
  readonly #imports: Record<string, unknown>;

  constructor(opts: ComponentEngineOptions) {
    this.#opts = opts;
    this.service = opts.service;
    this.#reuse = opts.service.isolation !== 'fresh';
    this.#stdout = new LineSplitter((l) => opts.events.guestLog('stdout', l, this.#currentRequest));
    this.#stderr = new LineSplitter((l) => opts.events.guestLog('stderr', l, this.#currentRequest));
    const sink = (s: LineSplitter) => ({ write: (b: Uint8Array) => s.push(b), capacity: 1 << 20 });
    this.#imports = {
      ...ioImports(),
      ...httpImports(),
      ...baseImports({
        env: opts.service.env,
        args: [opts.service.name],
        stdout: sink(this.#stdout),
        stderr: sink(this.#stderr),
      }),
    };
  }

  /** Instantiates once at start-up so a broken component fails before the first request. */
  warm(): void {
    this.#idle = this.#instantiate();
  }

  #instantiate(): LiveInstance {
    const memories: WebAssembly.Memory[] = [];
    const { modules, hook } = this.#opts;
    const exports = this.#opts.instantiate(
      (name) => {
        const m = modules.get(name);
        if (!m) throw new Error(`glue asked for unknown core module ${name}`);
        return m;
      },
      this.#imports,
      (module, imports) => {
        const instance = new WebAssembly.Instance(module, imports);
        attachInterrupt(instance, hook);
        for (const value of Object.values(instance.exports)) {
          if (value instanceof WebAssembly.Memory && !memories.includes(value)) memories.push(value);
        }
        return instance;
      },
    );
    const handler = (exports.incomingHandler ?? exports['wasi:http/incoming-handler@0.2.0']) as
      | Handler
      | undefined;
    if (!handler || typeof handler.handle !== 'function') {
      throw new WasmkubeError(
        'WASM_UNSUPPORTED',
        `service '${this.service.name}' does not export wasi:http/incoming-handler`,
        { fix: 'build the component for the wasi:http/proxy world' },
      );
    }
    this.#opts.events.instanceCreated();
    return { handler, memories };
  }

  async handle(req: GuestRequest, ctx: EngineContext): Promise<GuestResponse> {
    // The glue is synchronous: the guest gets the whole body (bounded by the limit) when it starts.
    const body = await req.body.readAll();
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const instance = this.#reuse && this.#idle ? this.#idle : null;
    this.#idle = null;
    const out = new ResponseOutparam();
    let live: LiveInstance | undefined = instance ?? undefined;
    this.#currentRequest = req.requestId;
    enterGuest(ctx.deadline, this.service.limits.timeoutMs);
    try {
      live ??= this.#instantiate();
      live.handler.handle(
        new IncomingRequest({
          method: req.method,
          pathWithQuery: req.pathWithQuery,
          scheme: req.scheme,
          authority: req.authority,
          headers: req.headers,
          body,
        }),
        out,
      );
    } catch (err) {
      this.#flushLogs();
      // A trap leaves the instance unusable: it is dropped, the next request gets a fresh one.
      if (err instanceof GuestExit && err.status.tag === 'ok' && out.result) {
        // exit(ok) after answering is a normal end of a fresh instance.
      } else {
        const atCap = live !== undefined && this.#atMemoryCap(live);
        const response = out.result?.tag === 'ok' ? out.result.val : undefined;
        response?.bodyWriter.fail(new Error('guest failed while writing the body'));
        throw guestFailure(err, this.service.name, atCap);
      }
    } finally {
      leaveGuest();
    }
    this.#flushLogs();
    if (this.#reuse && live) this.#idle = live;
    return this.#response(out);
  }

  #response(out: ResponseOutparam): GuestResponse {
    const result = out.result;
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
    const body: BodyWriter = res.bodyWriter;
    // A synchronous guest cannot write after `handle` returns: whatever it did not finish is complete.
    if (!body.ended && !body.error) body.end();
    return { status: res.status, headers: (res.headersField as Fields).toPairs(), body };
  }

  #atMemoryCap(live: LiveInstance): boolean {
    return nearMemoryCap(live.memories, this.service.limits.memoryBytes);
  }

  #flushLogs(): void {
    this.#stdout.flush();
    this.#stderr.flush();
  }

  memoryBytes(): number {
    let n = 0;
    if (this.#idle) for (const m of this.#idle.memories) n += m.buffer.byteLength;
    return n;
  }

  close(): void {
    this.#idle = null;
  }
}
