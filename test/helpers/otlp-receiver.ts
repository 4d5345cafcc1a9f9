// An OTLP/HTTP trace receiver on 127.0.0.1 for tests: accepts POST /v1/traces (protobuf) and decodes
// ExportTraceServiceRequest with the official opentelemetry-proto definitions, as compiled to protobufjs
// by the OpenTelemetry project (@opentelemetry/otlp-proto-exporter-base's generated root).
// @see https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto

import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** 2 = SERVER, 3 = CLIENT. */
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface Span {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId: Buffer;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status?: { code: number };
}
interface ExportTraceServiceRequest {
  resourceSpans: { resource?: { attributes: KeyValue[] }; scopeSpans: { spans: Span[] }[] }[];
}
interface MessageType {
  decode(buf: Uint8Array): unknown;
  toObject(message: unknown, options: object): ExportTraceServiceRequest;
}

const root = createRequire(import.meta.url)(
  '@opentelemetry/otlp-proto-exporter-base/build/src/generated/root.js',
) as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: MessageType } } } } };
};
const ExportRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function value(v: AnyValue | undefined): string | number | boolean {
  if (v?.stringValue !== undefined) return v.stringValue;
  if (v?.boolValue !== undefined) return v.boolValue;
  if (v?.intValue !== undefined) return Number(v.intValue);
  if (v?.doubleValue !== undefined) return v.doubleValue;
  return '';
}

function keyValues(list: readonly KeyValue[]): Record<string, string | number | boolean> {
  return Object.fromEntries(list.map((kv) => [kv.key, value(kv.value)]));
}

export function decodeTraceRequest(buf: Uint8Array): ReceivedSpan[] {
  const request = ExportRequest.toObject(ExportRequest.decode(buf), {
    longs: String,
    bytes: Buffer,
    defaults: true,
    arrays: true,
  });
  const spans: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans) {
    const service = String(keyValues(rs.resource?.attributes ?? [])['service.name'] ?? '');
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        spans.push({
          service,
          traceId: s.traceId.toString('hex'),
          spanId: s.spanId.toString('hex'),
          parentSpanId: s.parentSpanId.toString('hex'),
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: keyValues(s.attributes),
          statusCode: s.status?.code ?? 0,
        });
      }
    }
  }
  return spans;
}

export interface OtlpReceiver {
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Content types of the export requests, to check they were protobuf. */
  readonly contentTypes: string[];
  waitFor(pred: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      spans.push(...decodeTraceRequest(Buffer.concat(parts)));
      for (const w of waiters) w();
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    waitFor(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pred(spans)) return false;
          clearTimeout(timer);
          resolve();
          return true;
        };
        const timer = setTimeout(
          () =>
            reject(
              new Error(`spans not seen within ${timeoutMs} ms: ${JSON.stringify(spans.map((s) => s.name))}`),
            ),
          timeoutMs,
        );
        if (!check()) waiters.push(check);
      });
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
