// Spans over OTLP/HTTP protobuf to a receiver on 127.0.0.1 that decodes them: one server span per
// inbound request and one client span per outbound call across three chained services, parented
// into one trace, with service, route, status and duration.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guestPath } from '../helpers/guests.ts';
import { appDir, startUp, type UpProcess } from '../helpers/host.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver.ts';

let up: UpProcess;
let otlp: OtlpReceiver;

before(async () => {
  otlp = await startOtlpReceiver();
  const guest = await guestPath('fetch-component');
  const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: traced
host: { workers: 1 }
services:
  a: { source: ${guest}, routes: ["/a"], allowedOutboundHosts: ["http://b"] }
  b: { source: ${guest}, routes: ["/b"], allowedOutboundHosts: ["http://c"] }
  c: { source: ${guest}, routes: ["/c"] }
`);
  up = await startUp([dir], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint } });
});

after(async () => {
  await up?.stop();
  await otlp?.close();
});

describe('OTLP export', () => {
  test('a → b → c makes one trace of three server and two client spans', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const caller = 'b7ad6b7169203331';
    const q = encodeURIComponent;
    const res = await fetch(`${up.url}/a/call?url=${q(`http://b/b/call?url=${q('http://c/c/headers')}`)}`, {
      headers: { traceparent: `00-${traceId}-${caller}-01` },
    });
    assert.equal(res.status, 200, await res.text());
    const mine = (spans: readonly ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
    await otlp.waitFor((spans) => mine(spans).length >= 5);
    const spans = mine(otlp.spans);
    assert.ok(otlp.contentTypes.every((t) => t === 'application/x-protobuf'));
    const server = (svc: string) => spans.find((s) => s.kind === 2 && s.service === svc)!;
    const client = (svc: string) => spans.find((s) => s.kind === 3 && s.service === svc)!;
    for (const svc of ['a', 'b', 'c']) {
      const s = server(svc);
      assert.ok(s, `server span of ${svc}`);
      assert.equal(s.attributes['http.route'], `/${svc}`);
      assert.equal(s.attributes['http.response.status_code'], 200);
      assert.equal(s.attributes['wasmkube.service'], svc);
      assert.ok(s.endNs > s.startNs, 'has a duration');
    }
    assert.equal(server('a').parentSpanId, caller, 'continues the caller span');
    assert.equal(client('a').parentSpanId, server('a').spanId);
    assert.equal(server('b').parentSpanId, client('a').spanId, 'the hand-over carries the client span');
    assert.equal(client('b').parentSpanId, server('b').spanId);
    assert.equal(server('c').parentSpanId, client('b').spanId);
    assert.equal(client('a').attributes['http.response.status_code'], 200);
    assert.equal(client('a').attributes['url.full'], `http://b/b/call?url=${q('http://c/c/headers')}`);
  });
});
