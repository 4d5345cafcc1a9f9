// The host's tracer: one span per inbound request and per outbound call, each with W3C ids that go to
// the guest and to the next hop. Spans are exported only when OTEL_EXPORTER_OTLP_ENDPOINT is set
// (otel-export.ts, which loads the OpenTelemetry SDK then); otherwise the ids are made here for free.

import { newSpanId, newTraceId, parseTraceparent, type TraceContext } from './trace-context.ts';

export type SpanKind = 'server' | 'client';

export interface SpanStart {
  readonly name: string;
  readonly kind: SpanKind;
  /** The parent: an incoming traceparent, or the inbound span an outbound call belongs to. */
  readonly parent: TraceContext | undefined;
  /** Whether the parent came from another process (a traceparent header). */
  readonly remoteParent: boolean;
  readonly attributes: Readonly<Record<string, string | number>>;
}

/** A span being timed; `context` names it as the parent of what it calls. */
export interface Span {
  readonly context: TraceContext;
  setAttribute(key: string, value: string | number): void;
  /** Ends it; `error` marks it failed with that message. */
  end(error?: string): void;
}

export interface Tracer {
  /** Whether spans leave the process (an exporter is set). */
  readonly exporting: boolean;
  start(span: SpanStart): Span;
  /** Sends what is buffered (before exit). */
  flush(): Promise<void>;
}

/** Ids only: what runs when no exporter is configured. */
export class IdTracer implements Tracer {
  readonly exporting = false;
  start(s: SpanStart): Span {
    const context = {
      traceId: s.parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      flags: s.parent?.flags ?? '01',
    };
    return { context, setAttribute() {}, end() {} };
  }
  async flush(): Promise<void> {}
}

/** The inbound span of a request: continues the caller's trace, or starts one. */
export function startInbound(
  tracer: Tracer,
  traceparent: string | undefined,
  attributes: Record<string, string | number>,
): Span {
  const parent = parseTraceparent(traceparent);
  return tracer.start({
    name: `${attributes['http.request.method'] ?? 'HTTP'} ${attributes['http.route'] ?? ''}`.trim(),
    kind: 'server',
    parent,
    remoteParent: parent !== undefined,
    attributes,
  });
}

let shared: Promise<Tracer> | undefined;

/**
 * This thread's tracer: exporting over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and OTEL_TRACES_EXPORTER is not `none`.
 */
export function processTracer(env: NodeJS.ProcessEnv = process.env): Promise<Tracer> {
  shared ??= (async () => {
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
    if (!endpoint || env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true')
      return new IdTracer();
    const { createOtlpTracer } = await import('./otel-export.ts');
    return createOtlpTracer(env);
  })();
  return shared;
}
