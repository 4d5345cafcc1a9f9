// fetch-component: the test guest for outbound HTTP, built with componentize-js against
// wasmkube:guests/http-service; its fetch() goes through wasi:http/outgoing-handler.

import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.12';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// blocking-write-and-flush takes at most 4096 bytes per call.
const MAX_WRITE = 4096;

function methodName(method) {
  return method.tag === 'other' ? method.val : method.tag.toUpperCase();
}

function writeAll(stream, bytes) {
  for (let offset = 0; offset < bytes.length; offset += MAX_WRITE) {
    stream.blockingWriteAndFlush(bytes.subarray(offset, offset + MAX_WRITE));
  }
}

/** Starts a response and returns its body stream and a function that finishes it. */
function start(responseOut, status, headerList) {
  const headers = Fields.fromList(headerList.map(([k, v]) => [k, encoder.encode(v)]));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const stream = body.write();
  return {
    stream,
    finish() {
      stream[Symbol.dispose]();
      OutgoingBody.finish(body, undefined);
    },
  };
}

function text(responseOut, status, body) {
  const out = start(responseOut, status, [['content-type', 'text/plain']]);
  writeAll(out.stream, encoder.encode(body));
  out.finish();
}

/**
 * The incoming request body as a ReadableStream. Reads without blocking and, when nothing has arrived,
 * yields to the event loop (a blocking read would suspend the whole guest, and with it the fetch that
 * sends what was read so far).
 */
function bodyStream(request) {
  const body = request.consume();
  const stream = body.stream();
  return new ReadableStream({
    async pull(controller) {
      for (;;) {
        let chunk;
        try {
          chunk = stream.read(65536n);
        } catch (err) {
          if (err?.payload?.tag === 'closed') {
            stream[Symbol.dispose]();
            controller.close();
            return;
          }
          controller.error(err);
          return;
        }
        if (chunk.length > 0) {
          controller.enqueue(chunk);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
  });
}

function errorText(err) {
  const parts = [String(err?.name ?? 'Error'), String(err?.message ?? err)];
  if (err?.cause) parts.push(`cause: ${String(err.cause?.message ?? err.cause)}`);
  return parts.join(': ');
}

/**
 * /call?url=U[&method=M]: fetches U (the request body streamed on for POST/PUT; headers named
 * x-send-NAME sent as NAME) and streams the answer back with x-upstream-status; a rejected fetch()
 * answers 502 "fetch rejected: …" and the guest goes on.
 */
async function call(request, url, responseOut) {
  const target = url.searchParams.get('url');
  const method = url.searchParams.get('method') ?? methodName(request.method());
  const headers = new Headers();
  for (const [name, value] of request.headers().entries()) {
    if (name.startsWith('x-send-')) headers.append(name.slice(7), decoder.decode(value));
  }
  const init = { method, headers, redirect: 'manual' };
  if (method === 'POST' || method === 'PUT') {
    init.body = bodyStream(request);
    init.duplex = 'half';
  }
  let res;
  try {
    res = await fetch(target, init);
  } catch (err) {
    return text(responseOut, 502, `fetch rejected: ${errorText(err)}\n`);
  }
  const pass = [['x-upstream-status', String(res.status)]];
  for (const [name, value] of res.headers) {
    if (name === 'content-type' || name === 'location' || name.startsWith('x-')) pass.push([name, value]);
  }
  const out = start(responseOut, 200, pass);
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        writeAll(out.stream, value);
      }
    }
  } catch (err) {
    writeAll(out.stream, encoder.encode(`\nbody failed: ${errorText(err)}\n`));
  }
  out.finish();
}

async function handle(request, responseOut) {
  const pathWithQuery = request.pathWithQuery() ?? '/';
  const url = new URL(pathWithQuery, 'http://guest.invalid');
  // The last path segment picks the action, whatever route prefix the service is mounted on.
  const path = `/${url.pathname.split('/').pop()}`;
  if (path === '/hello') return text(responseOut, 200, 'hello from fetch guest\n');
  if (path === '/call') return call(request, url, responseOut);
  if (path === '/headers') {
    const headers = {};
    for (const [name, value] of request.headers().entries()) headers[name] = decoder.decode(value);
    const out = start(responseOut, 200, [['content-type', 'application/json']]);
    writeAll(out.stream, encoder.encode(`${JSON.stringify({ path: pathWithQuery, headers })}\n`));
    return out.finish();
  }
  return text(responseOut, 404, `not found: ${path}\n`);
}

export const incomingHandler = { handle };
