// Span export with the OpenTelemetry JS SDK over OTLP/HTTP (protobuf), loaded only when an endpoint is
// configured. One tracer provider per wasmkube service, so a collector or Jaeger shows each service
// under its own name (resource `service.name`), all in the same traces.

import { type Span as OtelSpan, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Span, SpanStart, Tracer } from './tracer.ts';

type Provider = InstanceType<typeof BasicTracerProvider>;

class OtlpTracer implements Tracer {
  readonly exporting = true;
  readonly #providers = new Map<string, Provider>();
  readonly #env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env;
  }

  #provider(service: string): Provider {
    let p = this.#providers.get(service);
    if (!p) {
      p = new BasicTracerProvider({
        resource: resourceFromAttributes({
          'service.name': service,
          'service.namespace': this.#env.WASMKUBE_APP ?? 'wasmkube',
        }),
        // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS and _TIMEOUT itself.
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 })],
      });
      this.#providers.set(service, p);
    }
    return p;
  }

  start(s: SpanStart): Span {
    const service = String(s.attributes['wasmkube.service'] ?? 'wasmkube');
    const parent = s.parent
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: s.parent.traceId,
          spanId: s.parent.spanId,
          traceFlags: Number.parseInt(s.parent.flags, 16),
          isRemote: s.remoteParent,
        })
      : ROOT_CONTEXT;
    const span: OtelSpan = this.#provider(service)
      .getTracer('wasmkube')
      .startSpan(
        s.name,
        { kind: s.kind === 'server' ? SpanKind.SERVER : SpanKind.CLIENT, attributes: s.attributes },
        parent,
      );
    const sc = span.spanContext();
    return {
      context: { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags.toString(16).padStart(2, '0') },
      setAttribute: (key, value) => {
        span.setAttribute(key, value);
      },
      end: (error) => {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
        span.end();
      },
    };
  }

  async flush(): Promise<void> {
    await Promise.all([...this.#providers.values()].map((p) => p.forceFlush().catch(() => {})));
  }
}

export function createOtlpTracer(env: NodeJS.ProcessEnv): Tracer {
  return new OtlpTracer(env);
}
