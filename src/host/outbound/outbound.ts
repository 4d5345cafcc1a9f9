// The outbound HTTP capability a service's bindings carry: checks a guest's request against its
// allowedOutboundHosts, hands it to a service of this thread in process or sends it with undici,
// and counts, logs and traces every call. Failures reject with an OutboundError holding the code.

import type { Logger } from 'pino';
import type { ServiceSpec } from '../../manifest/index.ts';
import { BodyReader, type BodyWriter } from '../core/body.ts';
import { Cancel } from '../core/cancel.ts';
import { formatTraceparent, type TraceContext } from '../tracing/trace-context.ts';
import type { Tracer } from '../tracing/tracer.ts';
import { writerBody, writerReader, writerStream } from './body-stream.ts';
import { sendRequest } from './client.ts';
import { DENIED, type ErrorCode, errorCodeOf, OutboundError, URI_INVALID } from './error-code.ts';
import { type LocalDispatcher, localRoute } from './local.ts';
import type { OutboundStats } from './metrics.ts';
import { OutboundPolicy, type OutboundTarget, outboundTarget } from './policy.ts';

/** wasi:http request-options, in milliseconds. */
export interface OutboundTimeouts {
  readonly connectMs?: number;
  readonly firstByteMs?: number;
  readonly betweenBytesMs?: number;
}

export interface OutboundCall {
  readonly method: string;
  readonly scheme: string | undefined;
  readonly authority: string | undefined;
  readonly pathWithQuery: string | undefined;
  /** Names lower-cased, values latin1 (one char per byte). */
  readonly headers: readonly (readonly [string, string])[];
  /** What the guest writes, or null when it took no body. */
  readonly body: BodyWriter | null;
  readonly timeouts: OutboundTimeouts;
  /** performance.now() after which the calling request is over: bounds the whole call. */
  readonly deadline: number;
  /** The caller's request id, for the logs. */
  readonly requestId: string | undefined;
  /** The caller's inbound span: the parent of this call's span. */
  readonly trace: TraceContext | undefined;
}

export interface OutboundResult {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: BodyReader;
}

export interface Outbound {
  /** Resolves with the response head (its body streams); rejects with an OutboundError. */
  send(call: OutboundCall): Promise<OutboundResult>;
}

export interface OutboundContext {
  readonly logger: Logger;
  readonly stats: OutboundStats | undefined;
  readonly tracer: Tracer | undefined;
  readonly local: LocalDispatcher | undefined;
}

/** Hop-by-hop headers and those the host sets itself: never sent as the guest gave them. */
const DROP = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'traceparent',
  'tracestate',
]);
/** No body limit of its own: the guest reads at its own pace, and its deadline bounds the call. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;
/**
 * In-process calls nested this deep are a loop (a service calling itself through self). The depth is
 * read from the request id, which each hand-over extends (`ID.1.4`) and a guest cannot set.
 */
const MAX_HOPS = 16;

let inProcessId = 0;

export function createOutbound(service: ServiceSpec, ctx: OutboundContext): Outbound {
  const policy = new OutboundPolicy(service.allowedOutboundHosts);
  const { logger, stats, tracer } = ctx;

  const fail = (call: OutboundCall, target: string, code: ErrorCode, reason: string, started: number) => {
    const seconds = (performance.now() - started) / 1000;
    stats?.record(service.name, target, code.tag, code === DENIED ? undefined : seconds);
    const fields = {
      reqId: call.requestId,
      traceId: call.trace?.traceId,
      service: service.name,
      target,
      method: call.method,
      error: code.tag,
      reason,
      ms: Math.round(seconds * 1e4) / 10,
    };
    if (code === DENIED) logger.warn(fields, 'outbound request denied');
    else logger.info(fields, 'outbound request failed');
    return new OutboundError(code, reason);
  };

  return {
    async send(call) {
      const started = performance.now();
      const parsed = outboundTarget(call.scheme, call.authority, call.pathWithQuery);
      if (!parsed.ok) throw fail(call, String(call.authority ?? ''), URI_INVALID, parsed.reason, started);
      const target = parsed.target;
      let hostHeader: string | undefined;
      for (const [k, v] of call.headers) if (k === 'host') hostHeader = v;
      const verdict = policy.check(target, hostHeader);
      if (!verdict.ok) throw fail(call, target.origin, DENIED, verdict.reason, started);
      const span = tracer?.start({
        name: `${call.method}`,
        kind: 'client',
        parent: call.trace,
        remoteParent: false,
        attributes: {
          'wasmkube.service': service.name,
          'http.request.method': call.method,
          'url.full': target.url.href,
          'server.address': target.host,
          'server.port': target.port,
        },
      });
      const headers: string[] = [];
      for (const [k, v] of call.headers) if (!DROP.has(k)) headers.push(k, v);
      if (span) headers.push('traceparent', formatTraceparent(span.context));
      const remaining = call.deadline - performance.now();
      if (remaining <= 0) {
        span?.end('deadline');
        throw fail(
          call,
          target.origin,
          { tag: 'connection-timeout' },
          'the request deadline has passed',
          started,
        );
      }
      try {
        const local = localRoute(ctx.local, target);
        let result: OutboundResult;
        if (local) {
          const hops = (call.requestId ?? '').split('.').length - 1;
          if (hops >= MAX_HOPS) {
            throw new OutboundError(
              { tag: 'loop-detected' },
              `more than ${MAX_HOPS} nested in-process calls`,
            );
          }
          result = await sendLocal(local, call, target, headers, remaining);
        } else {
          // A safety net only: the request deadline itself stops the guest first (504), then this ends the call.
          const signal = AbortSignal.timeout(Math.ceil(remaining) + 100);
          const res = await sendRequest({
            url: target.url,
            method: call.method,
            headers,
            body: call.body ? writerBody(call.body) : null,
            connectTimeoutMs: call.timeouts.connectMs,
            firstByteTimeoutMs: call.timeouts.firstByteMs,
            betweenBytesTimeoutMs: call.timeouts.betweenBytesMs,
            signal,
          });
          result = { status: res.status, headers: res.headers, body: new BodyReader(res.body, NO_LIMIT) };
        }
        const seconds = (performance.now() - started) / 1000;
        stats?.record(service.name, target.origin, String(result.status), seconds);
        span?.setAttribute('http.response.status_code', result.status);
        span?.end(result.status >= 500 ? String(result.status) : undefined);
        if (logger.isLevelEnabled('info')) {
          logger.info(
            {
              reqId: call.requestId,
              traceId: call.trace?.traceId,
              service: service.name,
              target: target.origin,
              method: call.method,
              status: result.status,
              local: local !== undefined,
              ms: Math.round(seconds * 1e4) / 10,
            },
            'outbound request',
          );
        }
        return result;
      } catch (err) {
        const code = errorCodeOf(err);
        span?.end(code.tag);
        throw fail(call, target.origin, code, err instanceof Error ? err.message : String(err), started);
      }
    },
  };
}

async function sendLocal(
  local: NonNullable<ReturnType<typeof localRoute>>,
  call: OutboundCall,
  target: OutboundTarget,
  headers: string[],
  remaining: number,
): Promise<OutboundResult> {
  const pairs: [string, string][] = [['host', target.url.host]];
  for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i]!, headers[i + 1]!]);
  const cancel = new Cancel();
  const timeout = (code: ErrorCode, why: string) => () =>
    cancel.abort(new OutboundError(code, `in-process call to ${target.origin}: ${why}`));
  const timer = setTimeout(
    timeout({ tag: 'HTTP-response-timeout' }, 'the request deadline passed'),
    remaining,
  );
  const firstByte = call.timeouts.firstByteMs;
  const headTimer =
    firstByte === undefined
      ? undefined
      : setTimeout(
          timeout({ tag: 'HTTP-response-timeout' }, `no response within ${firstByte} ms`),
          firstByte,
        );
  let length: number | undefined;
  for (const [k, v] of pairs) if (k === 'content-length') length = Number(v);
  const body = call.body === null ? null : writerStream(call.body);
  const req = {
    method: call.method,
    pathWithQuery: target.url.pathname + target.url.search,
    headers: pairs,
    body,
    contentLength: Number.isFinite(length) ? length : undefined,
    remoteAddress: '127.0.0.1',
    scheme: 'http' as const,
    authority: target.url.host,
    requestId: `${call.requestId ?? 'outbound'}.${(++inProcessId).toString(36)}`,
    signal: cancel,
  };
  try {
    const res = await cancel.race(
      local.service === undefined ? local.app.handle(req) : local.app.handleService(local.service, req),
    );
    clearTimeout(headTimer);
    const reader = writerReader(res.body, NO_LIMIT);
    res.body.whenDone().then(() => clearTimeout(timer));
    cancel.onAbort(() => res.body.fail(cancel.reason as Error));
    return { status: res.status, headers: res.headers, body: reader };
  } catch (err) {
    clearTimeout(timer);
    clearTimeout(headTimer);
    throw err;
  }
}
