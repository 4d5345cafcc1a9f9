// js-component: the test guest for the component engine, built with componentize-js against
// wasmkube:guests/http-service (wasi:http/proxy 0.2.12 + wasi:cli/environment); dispatches on the path.

import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.12';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// blocking-write-and-flush takes at most 4096 bytes per call.
const MAX_WRITE = 4096;
// Memory kept alive by /grow so the guest's linear memory really stays grown.
const kept = [];

function methodName(method) {
  return method.tag === 'other' ? method.val : method.tag.toUpperCase();
}

function readAll(request) {
  const body = request.consume();
  const stream = body.stream();
  const chunks = [];
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (err) {
      if (err?.payload?.tag === 'closed') break;
      throw err;
    }
    if (chunk.length > 0) chunks.push(chunk);
  }
  stream[Symbol.dispose]();
  body[Symbol.dispose]();
  return chunks;
}

function writeChunk(stream, bytes) {
  for (let offset = 0; offset < bytes.length; offset += MAX_WRITE) {
    stream.blockingWriteAndFlush(bytes.subarray(offset, offset + MAX_WRITE));
  }
}

/** Sends a response whose body is the given chunks, each written (and flushed) separately. */
function respond(responseOut, status, contentType, chunks) {
  const headers = Fields.fromList([['content-type', encoder.encode(contentType)]]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const stream = body.write();
  for (const chunk of chunks) writeChunk(stream, typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  stream[Symbol.dispose]();
  OutgoingBody.finish(body, undefined);
}

function text(responseOut, status, body) {
  respond(responseOut, status, 'text/plain', [body]);
}

function json(responseOut, value) {
  respond(responseOut, 200, 'application/json', [`${JSON.stringify(value)}\n`]);
}

function handle(request, responseOut) {
  const pathWithQuery = request.pathWithQuery() ?? '/';
  const url = new URL(pathWithQuery, 'http://guest.invalid');
  const path = url.pathname;

  if (path === '/hello') return text(responseOut, 200, 'hello from js');
  if (path === '/echo') {
    return respond(responseOut, 200, 'application/octet-stream', readAll(request));
  }
  if (path === '/headers') {
    const headers = {};
    for (const [name, value] of request.headers().entries()) {
      const v = decoder.decode(value);
      headers[name] = name in headers ? `${headers[name]}, ${v}` : v;
    }
    return json(responseOut, { method: methodName(request.method()), pathWithQuery, headers });
  }
  if (path === '/env') return json(responseOut, Object.fromEntries(getEnvironment()));
  if (path === '/loop') {
    for (;;) {}
  }
  if (path === '/trap') throw new Error('trap requested by /trap');
  if (path === '/grow') {
    const mb = Number(url.searchParams.get('mb') ?? '1');
    for (let i = 0; i < mb; i++) {
      const block = new Uint8Array(1024 * 1024);
      block.fill(i & 0xff);
      kept.push(block);
    }
    return text(responseOut, 200, `grew ${mb} MiB, holding ${kept.length} MiB\n`);
  }
  if (path === '/log') {
    console.log('to stdout');
    console.error('to stderr');
    return text(responseOut, 200, 'logged\n');
  }
  const status = /^\/status\/(\d{3})$/.exec(path);
  if (status) return text(responseOut, Number(status[1]), `status ${status[1]}\n`);
  if (path === '/stream') {
    const n = Number(url.searchParams.get('chunks') ?? '3');
    const chunks = [];
    for (let i = 0; i < n; i++) chunks.push(`chunk ${i}\n`);
    return respond(responseOut, 200, 'text/plain', chunks);
  }
  return text(responseOut, 404, `not found: ${path}\n`);
}

export const incomingHandler = { handle };
