// The host core: `handle(request) → response` for every service of an app, plus the reserved
// /health, /ready and /metrics endpoints. Limits, metrics and logs live here; sockets do not.

import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { isWasmkubeError, WasmkubeError } from '../../errors.ts';
import type { ServiceSpec } from '../../manifest/index.ts';
import { failureKind } from '../engines/failure.ts';
import type { HostMetrics } from '../observability/metrics.ts';
import type { RouteStats } from '../observability/request-metrics.ts';
import type { LocalApp } from '../outbound/local.ts';
import { formatTraceparent } from '../tracing/trace-context.ts';
import { IdTracer, startInbound, type Tracer } from '../tracing/tracer.ts';
import { BodyReader, BodyWriter } from './body.ts';
import { Cancel, Deadlines } from './cancel.ts';
import type { Engine, GuestResponse } from './engine.ts';
import http from './node-http-module.ts';
import { parseRequestTarget } from './request-target.ts';
import { Router } from './router.ts';

export interface HostRequest {
  readonly method: string;
  readonly pathWithQuery: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Readable | null;
  readonly contentLength: number | undefined;
  readonly remoteAddress: string;
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  readonly requestId: string;
  /** Aborted when the client goes away before its response is written. */
  readonly signal?: Cancel;
  /**
   * The adapter calls `body.delivered()` once the client has the response (or is gone): until then the
   * request holds its service's concurrency slot, so slow readers cannot pile up responses unbounded.
   */
  readonly tracksDelivery?: boolean;
}

export interface HostResponse {
  status: number;
  headers: [string, string][];
  body: BodyWriter;
}

interface ServiceSlot {
  readonly spec: ServiceSpec;
  /** Replaced by swapEngine (`up --watch`); a request keeps the engine it started on. */
  engine: Engine;
  inFlight: number;
  /** Bytes of finished responses not yet handed to their clients' sockets. */
  pendingBytes: number;
}

/** What a route prefix leads to: the service, and that route's metrics. */
interface RouteTarget {
  readonly slot: ServiceSlot;
  readonly prefix: string;
  readonly stats: RouteStats;
}

export interface HostAppOptions {
  readonly engines: readonly Engine[];
  readonly logger: Logger;
  readonly metrics: HostMetrics;
  /** Renders /metrics; defaults to this thread's registry (the supervisor merges threads). */
  readonly renderMetrics?: () => Promise<{ contentType: string; text: string }>;
  /** Services that failed to load (the rest served anyway with --keep-going); /ready lists them. */
  readonly failed?: readonly ServiceSpec[];
  /** Spans for inbound requests (W3C traceparent in, to the guest, to its calls). @default ids only */
  readonly tracer?: Tracer;
}

const JSON_TYPE: [string, string] = ['content-type', 'application/json'];

export function jsonResponse(status: number, value: unknown, extra: [string, string][] = []): HostResponse {
  return { status, headers: [JSON_TYPE, ...extra], body: BodyWriter.of(`${JSON.stringify(value)}\n`) };
}

function errorBody(code: string, message: string, requestId: string, fix?: string) {
  return { error: { code, message, requestId, ...(fix ? { fix } : {}) } };
}

export class HostApp implements LocalApp {
  readonly #router: Router<RouteTarget>;
  readonly #tracer: Tracer;
  readonly #byService = new Map<string, Router<RouteTarget>>();
  readonly #deadlines = new Deadlines();
  readonly #slots: ServiceSlot[];
  readonly #logger: Logger;
  readonly #metrics: HostMetrics;
  readonly #renderMetrics: () => Promise<{ contentType: string; text: string }>;
  readonly #failed: readonly string[];
  readonly #failedRouter: Router<string>;
  #draining = false;
  #inFlight = 0;
  /** Guest requests in flight, for `stopInFlight` at the end of the grace period. */
  readonly #running = new Map<Cancel, { readonly service: string; readonly req: HostRequest }>();
  #stopReason: WasmkubeError | undefined;
  #idleWaiters: (() => void)[] = [];
  /** Requests running on each engine, and the swapped-out engines to close once theirs are done. */
  readonly #engineUses = new Map<Engine, number>();
  readonly #retired = new Set<Engine>();

  constructor(opts: HostAppOptions) {
    this.#slots = opts.engines.map((engine) => ({
      spec: engine.service,
      engine,
      inFlight: 0,
      pendingBytes: 0,
    }));
    this.#router = new Router(
      this.#slots.flatMap((slot) =>
        slot.spec.routes.map((route) => ({
          route,
          target: {
            slot,
            prefix: route.prefix,
            stats: opts.metrics.routeStats(slot.spec.name, route.prefix),
          },
        })),
      ),
    );
    this.#logger = opts.logger;
    this.#tracer = opts.tracer ?? new IdTracer();
    const failed = opts.failed ?? [];
    this.#failed = failed.map((s) => s.name);
    this.#failedRouter = new Router(
      failed.flatMap((s) => s.routes.map((route) => ({ route, target: s.name }))),
    );
    this.#metrics = opts.metrics;
    const metrics = opts.metrics;
    this.#renderMetrics =
      opts.renderMetrics ??
      (async () => {
        const registry = await metrics.registry();
        return { contentType: registry.contentType, text: await registry.metrics() };
      });
  }

  get ready(): boolean {
    return !this.#draining;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Readiness turns 503 from now on; requests are still served. */
  startDraining(): void {
    this.#draining = true;
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Per service, bytes of responses produced but not yet handed to a slow client (see tracksDelivery). */
  pendingByService(): [string, number][] {
    return this.#slots.map((s) => [s.spec.name, s.pendingBytes]);
  }

  /**
   * The grace period is over: every guest request still in flight is stopped (its guest at its next
   * check, or at once if it waits) and logged. Returns how many there were.
   */
  stopInFlight(gracePeriodMs: number): number {
    const reason = new WasmkubeError(
      'SERVICE_UNAVAILABLE',
      `the host shut down: the request was still running at the end of the ${gracePeriodMs} ms grace period`,
      { fix: 'retry the request; raise host.shutdown.gracePeriod if requests need longer' },
    );
    this.#stopReason = reason;
    const running = [...this.#running];
    for (const [cancel, { service, req }] of running) {
      this.#logger.warn(
        { reqId: req.requestId, service, method: req.method, path: req.pathWithQuery },
        'request stopped at the end of the grace period',
      );
      cancel.abort(reason);
    }
    return running.length;
  }

  /**
   * Serves `service` with `engine` from the next request on: requests already running finish on the
   * old engine, which is closed after the last of them. Resolves with the old engine.
   */
  swapEngine(service: string, engine: Engine): Engine {
    const slot = this.#slots.find((s) => s.spec.name === service);
    if (!slot) throw new WasmkubeError('BAD_ARGUMENT', `no service '${service}' in this host`);
    const old = slot.engine;
    slot.engine = engine;
    if ((this.#engineUses.get(old) ?? 0) === 0) old.close();
    else this.#retired.add(old);
    return old;
  }

  /** The engine serving each service now (swapped ones included), for closing at shutdown. */
  engines(): Engine[] {
    return [...this.#slots.map((s) => s.engine), ...this.#retired];
  }

  memoryByService(): [string, number][] {
    return this.#slots.map((s) => [s.spec.name, s.engine.memoryBytes()]);
  }

  serves(service: string): boolean {
    return this.#slots.some((s) => s.spec.name === service);
  }

  /** Serves `req` with the named service, by that service's routes (service chaining in process). */
  async handleService(service: string, req: HostRequest): Promise<HostResponse> {
    let router = this.#byService.get(service);
    if (!router) {
      const slot = this.#slots.find((s) => s.spec.name === service);
      const entries = slot
        ? slot.spec.routes
            .map((route) => this.#router.match(route.prefix)!)
            .filter((e) => e.target.slot === slot)
        : [];
      router = new Router(entries.map((e) => ({ route: { prefix: e.prefix } as never, target: e.target })));
      this.#byService.set(service, router);
    }
    // A guest's request target is read the one way every request's is (request-target.ts).
    const target = parseRequestTarget(req.pathWithQuery);
    if (typeof target === 'string') {
      return jsonResponse(
        400,
        errorBody('BAD_REQUEST', target, req.requestId, 'send a target such as /orders/1?x=2'),
      );
    }
    const path = target.path;
    const entry = router.match(path);
    if (entry === undefined) {
      return jsonResponse(
        404,
        errorBody(
          'NO_ROUTE',
          `service '${service}' has no route for ${path}`,
          req.requestId,
          'check its routes in wasmkube.yaml',
        ),
      );
    }
    return this.#serve(
      entry.target,
      target.pathWithQuery === req.pathWithQuery ? req : { ...req, pathWithQuery: target.pathWithQuery },
    );
  }

  async handle(received: HostRequest): Promise<HostResponse> {
    // One reading of the target for routing, CGI and guests alike (request-target.ts).
    const target = parseRequestTarget(received.pathWithQuery);
    if (typeof target === 'string') {
      return jsonResponse(
        400,
        errorBody('BAD_REQUEST', target, received.requestId, 'send a target such as /orders/1?x=2'),
      );
    }
    const req =
      target.pathWithQuery === received.pathWithQuery && target.authority === undefined
        ? received
        : {
            ...received,
            pathWithQuery: target.pathWithQuery,
            authority: target.authority ?? received.authority,
          };
    const path = target.path;
    if (path === '/health' || path === '/ready' || path === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return jsonResponse(
          405,
          errorBody('METHOD_NOT_ALLOWED', `${path} answers GET and HEAD only`, req.requestId),
          [['allow', 'GET, HEAD']],
        );
      }
    }
    switch (path) {
      case '/health':
        return jsonResponse(200, { status: 'ok' });
      case '/ready':
        return this.#draining
          ? jsonResponse(503, { status: 'draining' })
          : jsonResponse(200, { status: 'ready', services: this.#slots.length, failed: this.#failed });
      case '/metrics': {
        const { contentType, text } = await this.#renderMetrics();
        return { status: 200, headers: [['content-type', contentType]], body: BodyWriter.of(text) };
      }
    }
    const entry = this.#router.match(path);
    const down = this.#failedRouter.match(path);
    // A service that failed to load (served anyway with --keep-going) is unavailable, not absent.
    if (down !== undefined && (entry === undefined || down.prefix.length > entry.prefix.length)) {
      return jsonResponse(
        503,
        errorBody(
          'SERVICE_UNAVAILABLE',
          `service '${down.target}' failed to load`,
          req.requestId,
          'see the start-up log',
        ),
      );
    }
    if (entry === undefined) {
      return jsonResponse(
        404,
        errorBody(
          'NO_ROUTE',
          `no service serves ${path}`,
          req.requestId,
          'check the routes in wasmkube.yaml',
        ),
      );
    }
    return this.#serve(entry.target, req);
  }

  async #serve(target: RouteTarget, req: HostRequest): Promise<HostResponse> {
    const { slot, prefix, stats } = target;
    const { spec, engine } = slot;
    const limits = spec.limits;
    if (slot.inFlight >= limits.concurrency) {
      stats.counted(req.method, 503);
      return jsonResponse(
        503,
        errorBody('SERVICE_BUSY', `service '${spec.name}' is at its concurrency limit`, req.requestId),
        [['retry-after', '1']],
      );
    }
    const started = performance.now();
    const body = new BodyReader(req.body, limits.maxBodyBytes, req.contentLength);
    if (body.error) {
      // A declared length over the limit: answered before the guest runs or a byte is read.
      const res = this.#failure(spec, req, body.error);
      stats.counted(req.method, res.status);
      return res;
    }
    const cancel = new Cancel();
    this.#running.set(cancel, { service: spec.name, req });
    this.#engineUses.set(engine, (this.#engineUses.get(engine) ?? 0) + 1);
    slot.inFlight++;
    this.#inFlight++;
    stats.inFlight++;
    const deadlineAt = started + limits.timeoutMs;
    const deadline = this.#deadlines.add(
      deadlineAt,
      cancel,
      () =>
        new WasmkubeError(
          'GUEST_DEADLINE',
          `service '${spec.name}' did not answer within its ${limits.timeoutMs} ms deadline`,
          { fix: 'make the handler faster or raise limits.timeout in wasmkube.yaml' },
        ),
    );
    // The W3C trace: continued from the caller's traceparent or started here; the guest sees this span.
    let incoming: string | undefined;
    const headers: (readonly [string, string])[] = [];
    for (const h of req.headers) {
      if (h[0] === 'traceparent') incoming = h[1];
      else if (h[0] !== 'tracestate') headers.push(h);
    }
    const span = startInbound(this.#tracer, incoming, {
      'wasmkube.service': spec.name,
      'http.request.method': req.method,
      'http.route': prefix,
      'url.path': path(req.pathWithQuery),
    });
    headers.push(['traceparent', formatTraceparent(span.context)]);
    const client = req.signal;
    const clientGone = () => cancel.abort(client?.reason);
    if (client?.aborted) clientGone();
    else client?.onAbort(clientGone);
    let res: HostResponse;
    let guestRes: GuestResponse | undefined;
    try {
      guestRes = await cancel.race(
        engine.handle(
          {
            method: req.method,
            pathWithQuery: req.pathWithQuery,
            scheme: req.scheme,
            authority: req.authority,
            headers,
            body,
            requestId: req.requestId,
            remoteAddress: req.remoteAddress,
            routePrefix: prefix,
            trace: span.context,
          },
          { deadline: deadlineAt, signal: cancel },
        ),
      );
      checkResponse(spec, guestRes.status, guestRes.headers);
      res = { status: guestRes.status, headers: guestRes.headers, body: guestRes.body };
      // Over the limit once the head is out: the response is aborted (the client sees a broken one),
      // never ended as a complete-looking truncated one; finish() counts it as body_limit.
      const out = res.body;
      body.onFail((err) => {
        if (isWasmkubeError(err) && err.code === 'BODY_TOO_LARGE') out.fail(err);
      });
    } catch (err) {
      // Whatever the guest is still doing for this request stops: its waits reject, its body fails.
      cancel.abort(err);
      guestRes?.body.fail(err instanceof Error ? err : new Error(String(err)));
      res = this.#failure(spec, req, err, span.context.traceId);
      res.body.end();
    }
    const status = res.status;
    const finish = () => {
      this.#deadlines.delete(deadline);
      this.#running.delete(cancel);
      client?.off(clientGone);
      slot.inFlight--;
      stats.inFlight--;
      const uses = (this.#engineUses.get(engine) ?? 1) - 1;
      if (uses > 0) this.#engineUses.set(engine, uses);
      else {
        this.#engineUses.delete(engine);
        if (this.#retired.delete(engine)) engine.close();
      }
      const seconds = (performance.now() - started) / 1000;
      stats.done(req.method, status, seconds);
      const failed = res.body.error;
      if (failed && !(isWasmkubeError(failed) && failed.code === 'CLIENT_CLOSED'))
        this.#recordError(spec, req, failed, span.context.traceId);
      span.setAttribute('http.response.status_code', status);
      span.end(status >= 500 || failed ? (failed?.message ?? String(status)) : undefined);
      if (this.#logger.isLevelEnabled('info')) {
        this.#logger.info(
          {
            reqId: req.requestId,
            traceId: span.context.traceId,
            service: spec.name,
            method: req.method,
            path: req.pathWithQuery,
            status,
            ms: Math.round(seconds * 1e4) / 10,
          },
          'request',
        );
      }
      if (--this.#inFlight === 0) for (const w of this.#idleWaiters.splice(0)) w();
    };
    if (req.tracksDelivery) {
      // The slot is held until the client has the bytes: a response waiting for a slow reader counts
      // against the service's concurrency, and the deadline bounds its sending as it bounds a stream.
      const held = res.body.ended ? res.body.bytesWritten : 0;
      slot.pendingBytes += held;
      cancel.onAbort(() => {
        if (!res.body.ended) res.body.fail(asError(cancel.reason));
        else {
          // The guest was done in time, the client was not: not the guest's failure, not counted as one.
          res.body.cutOff(
            new WasmkubeError(
              'CLIENT_CLOSED',
              `the client did not take the response within the ${limits.timeoutMs} ms deadline`,
            ),
          );
        }
      });
      res.body.whenDelivered().then(() => {
        slot.pendingBytes -= held;
        finish();
      });
    } else if (res.body.ended || res.body.error) finish();
    else {
      // Streaming bodies are bounded by the same deadline.
      cancel.onAbort(() => res.body.fail(asError(cancel.reason)));
      res.body.whenDone().then(finish);
    }
    return res;
  }

  #failure(spec: ServiceSpec, req: HostRequest, err: unknown, traceId?: string): HostResponse {
    if (!isWasmkubeError(err)) {
      this.#logger.error({ reqId: req.requestId, traceId, service: spec.name, err }, 'host error');
      return jsonResponse(500, errorBody('INTERNAL', 'internal host error', req.requestId));
    }
    if (err.code === 'CLIENT_CLOSED')
      this.#logger.info({ reqId: req.requestId, traceId, service: spec.name }, err.message);
    // Stopped by the shutdown, not failed by its guest: logged by stopInFlight.
    else if (err !== this.#stopReason) this.#recordError(spec, req, err, traceId);
    return jsonResponse(err.status, errorBody(err.code, err.message, req.requestId, err.fix));
  }

  #recordError(spec: ServiceSpec, req: HostRequest, err: Error, traceId?: string): void {
    const kind = isWasmkubeError(err) ? failureKind(err) : 'trap';
    this.#metrics.guestError(spec.name, kind);
    this.#logger.warn(
      { reqId: req.requestId, traceId, service: spec.name, kind, error: err.message, cause: errCause(err) },
      'guest failed',
    );
  }
}

function path(pathWithQuery: string): string {
  const q = pathWithQuery.indexOf('?');
  return q === -1 ? pathWithQuery : pathWithQuery.slice(0, q);
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Node refuses to write what HTTP forbids; a guest that asks for it gets a clear error instead. */
function checkResponse(
  spec: ServiceSpec,
  status: number,
  headers: readonly (readonly [string, string])[],
): void {
  const fail = (what: string) =>
    new WasmkubeError('GUEST_RESPONSE', `service '${spec.name}' sent an invalid response: ${what}`, {
      fix: 'fix the status or headers the guest writes',
    });
  if (!(Number.isInteger(status) && status >= 200 && status <= 599))
    throw fail(`status ${status} (use 200 to 599)`);
  for (const [name, value] of headers) {
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    } catch {
      throw fail(`header ${JSON.stringify(name)}: ${JSON.stringify(value)}`);
    }
  }
}

function errCause(err: Error): string | undefined {
  const c = err.cause;
  return c instanceof Error ? c.message : c === undefined ? undefined : String(c);
}
