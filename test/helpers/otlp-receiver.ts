// An OTLP/HTTP trace receiver on 127.0.0.1 for tests: accepts POST /v1/traces (protobuf) and decodes
// ExportTraceServiceRequest by the field numbers of the official opentelemetry-proto definitions
// (no .proto or protobuf decoder ships with the installed OpenTelemetry packages).
// @see https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto

import http from 'node:http';
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

type Field = { no: number; wire: number; bytes?: Uint8Array; varint?: bigint };

function* fields(buf: Uint8Array): Generator<Field> {
  let i = 0;
  const varint = (): bigint => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) yield { no, wire, varint: varint() };
    else if (wire === 1) {
      const b = buf.subarray(i, i + 8);
      i += 8;
      yield { no, wire, bytes: b };
    } else if (wire === 2) {
      const len = Number(varint());
      const b = buf.subarray(i, i + len);
      i += len;
      yield { no, wire, bytes: b };
    } else if (wire === 5) {
      const b = buf.subarray(i, i + 4);
      i += 4;
      yield { no, wire, bytes: b };
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');
const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');
const fixed64 = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array(8)).readBigUInt64LE(0);

function anyValue(buf: Uint8Array): string | number | boolean {
  for (const f of fields(buf)) {
    if (f.no === 1) return text(f.bytes);
    if (f.no === 2) return f.varint === 1n;
    if (f.no === 3) return Number(BigInt.asIntN(64, f.varint!));
    if (f.no === 4) return Buffer.from(f.bytes!).readDoubleLE(0);
  }
  return '';
}

function keyValues(list: Uint8Array[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of list) {
    let key = '';
    let value: string | number | boolean = '';
    for (const f of fields(kv)) {
      if (f.no === 1) key = text(f.bytes);
      else if (f.no === 2) value = anyValue(f.bytes!);
    }
    out[key] = value;
  }
  return out;
}

export function decodeTraceRequest(buf: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of fields(buf)) {
    if (rs.no !== 1) continue;
    let service = '';
    const scopeSpans: Uint8Array[] = [];
    for (const f of fields(rs.bytes!)) {
      if (f.no === 1) {
        const attrs: Uint8Array[] = [];
        for (const rf of fields(f.bytes!)) if (rf.no === 1) attrs.push(rf.bytes!);
        service = String(keyValues(attrs)['service.name'] ?? '');
      } else if (f.no === 2) scopeSpans.push(f.bytes!);
    }
    for (const ss of scopeSpans) {
      for (const sf of fields(ss)) {
        if (sf.no !== 2) continue;
        const s: Record<string, unknown> = { service, parentSpanId: '', statusCode: 0 };
        const attrs: Uint8Array[] = [];
        for (const f of fields(sf.bytes!)) {
          if (f.no === 1) s.traceId = hex(f.bytes);
          else if (f.no === 2) s.spanId = hex(f.bytes);
          else if (f.no === 4) s.parentSpanId = hex(f.bytes);
          else if (f.no === 5) s.name = text(f.bytes);
          else if (f.no === 6) s.kind = Number(f.varint);
          else if (f.no === 7) s.startNs = fixed64(f.bytes);
          else if (f.no === 8) s.endNs = fixed64(f.bytes);
          else if (f.no === 9) attrs.push(f.bytes!);
          else if (f.no === 15)
            for (const st of fields(f.bytes!)) if (st.no === 3) s.statusCode = Number(st.varint);
        }
        s.attributes = keyValues(attrs);
        spans.push(s as unknown as ReceivedSpan);
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
