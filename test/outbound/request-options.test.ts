// wasi:http request-options on the host's own outgoing-handler classes against a real server on
// 127.0.0.1: the connect, first-byte and between-bytes timeouts end the call with the error codes wasi:http
// defines, and the calling request's deadline bounds a call that set no timeout at all.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { httpImports } from '../../src/host/engines/component/http.ts';
import type { WaitScope } from '../../src/host/engines/component/io.ts';
import { OutboundStats } from '../../src/host/outbound/metrics.ts';
import { createOutbound } from '../../src/host/outbound/outbound.ts';
import { IdTracer } from '../../src/host/tracing/tracer.ts';
import type { ServiceSpec } from '../../src/manifest/index.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';

let server: Upstream;

before(async () => {
  server = await startUpstream((req, res) => {
    if (req.url === '/slow-head') setTimeout(() => res.end('late\n'), 1000);
    else if (req.url === '/stall') {
      res.writeHead(200);
      res.write('some');
    } else res.end('ok\n');
  });
});
after(() => server.close());

const scope: WaitScope = { wait: (p) => p, onWait() {} };

// The classes face jco's glue, which is untyped: the test drives them the way the glue does.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Glue = any;

/**
 * A listener on 127.0.0.1 that never accepts, its accept queue filled: the kernel drops further SYNs, so a
 * connect to it hangs (Node's own servers always accept, so this one is Python's).
 */
async function blackhole(): Promise<{ port: number; close: () => void }> {
  const py = spawn('python3', [
    '-c',
    "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)",
  ]);
  const port = await new Promise<number>((resolve, reject) => {
    py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    py.once('error', reject);
  });
  const held: net.Socket[] = [];
  // Connect until one connect hangs: the queue is full from then on.
  for (let i = 0; i < 16; i++) {
    const sock = net.connect({ host: '127.0.0.1', port });
    held.push(sock);
    sock.on('error', () => {});
    const connected = await new Promise<boolean>((resolve) => {
      sock.once('connect', () => resolve(true));
      setTimeout(() => resolve(false), 300);
    });
    if (!connected) break;
  }
  return {
    port,
    close: () => {
      for (const s of held) s.destroy();
      py.kill();
    },
  };
}

function setup(deadlineMs = 10_000, origin = server.origin) {
  const stats = new OutboundStats();
  const outbound = createOutbound(
    { name: 'caller', allowedOutboundHosts: [origin] } as unknown as ServiceSpec,
    { logger: pino({ level: 'silent' }), stats, tracer: new IdTracer(), local: undefined },
  );
  const state = { scope, deadline: performance.now() + deadlineMs, requestId: 'r-1', trace: undefined };
  const imports = httpImports(state, outbound);
  const types = imports['wasi:http/types'] as Record<string, Glue>;
  const handle = (imports['wasi:http/outgoing-handler'] as { handle: (r: unknown, o: unknown) => Glue })
    .handle;
  const request = (path: string) => {
    const req = new types.OutgoingRequest(new types.Fields());
    req.setScheme({ tag: 'HTTP' });
    req.setAuthority(new URL(origin).host);
    req.setPathWithQuery(path);
    return req;
  };
  const result = async (future: Glue) => {
    await future.subscribe().block();
    return future.get().val;
  };
  return { types, handle, request, result };
}

describe('request-options', () => {
  test('connect-timeout: connection-timeout when the server never accepts', async () => {
    const hole = await blackhole();
    try {
      const { types, handle, request, result } = setup(10_000, `http://127.0.0.1:${hole.port}`);
      const options = new types.RequestOptions();
      options.setConnectTimeout(200_000_000n);
      const out = await result(handle(request('/'), options));
      assert.deepEqual(out, { tag: 'err', val: { tag: 'connection-timeout' } });
    } finally {
      hole.close();
    }
  });

  test('first-byte-timeout: HTTP-response-timeout when the head is late', async () => {
    const { types, handle, request, result } = setup();
    const options = new types.RequestOptions();
    options.setFirstByteTimeout(100_000_000n);
    const out = await result(handle(request('/slow-head'), options));
    assert.deepEqual(out, { tag: 'err', val: { tag: 'HTTP-response-timeout' } });
  });

  test('between-bytes-timeout: the body stream fails and http-error-code says connection-read-timeout', async () => {
    const { types, handle, request, result } = setup();
    const options = new types.RequestOptions();
    options.setBetweenBytesTimeout(150_000_000n);
    const out = await result(handle(request('/stall'), options));
    assert.equal(out.tag, 'ok');
    assert.equal(out.val.status(), 200);
    const stream = out.val.consume().val.stream().val;
    const first = await stream.blockingRead(100n);
    assert.equal(Buffer.from(first.val).toString(), 'some');
    const next = await stream.blockingRead(100n);
    assert.equal(next.tag, 'err');
    assert.equal(next.val.tag, 'last-operation-failed');
    assert.deepEqual(types.httpErrorCode(next.val.val), { tag: 'connection-read-timeout' });
  });

  test('without timeouts, the calling request deadline bounds the call', async () => {
    const { handle, request, result } = setup(200);
    const out = await result(handle(request('/slow-head'), undefined));
    assert.equal(out.tag, 'err');
    assert.equal(out.val.tag, 'HTTP-response-timeout');
  });

  test('a denied call is a future whose value is HTTP-request-denied (handle itself never fails)', async () => {
    const { types, handle, result } = setup();
    const req = new types.OutgoingRequest(new types.Fields());
    req.setScheme({ tag: 'HTTP' });
    req.setAuthority('169.254.169.254');
    const future = handle(req, undefined);
    assert.ok(future instanceof types.FutureIncomingResponse);
    assert.deepEqual(await result(future), { tag: 'err', val: { tag: 'HTTP-request-denied' } });
    assert.deepEqual(future.get(), { tag: 'err', val: undefined }, 'a second get is an error');
  });
});
