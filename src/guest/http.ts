// The handler API of wasmkube's http-ts/http-js templates, bundled into the guest: it turns the wasi:http
// incoming-handler export into `(req: Request) => Response | Promise<Response>` with web-standard types.

import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import {
  Fields,
  type IncomingRequest,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from 'wasi:http/types@0.2.12';

/** A service's request handler: web `Request` in, web `Response` out. */
export type Handler = (request: Request) => Response | Promise<Response>;

/** The wasi:http incoming-handler interface, as componentize-js expects it exported. */
export interface IncomingHandler {
  handle(request: IncomingRequest, responseOut: ResponseOutparam): Promise<void>;
}

let variables: Record<string, string> | undefined;
// Read on first use, not at import: componentize-js runs top-level code at build time, with no host.
const load = (): Record<string, string> => {
  variables ??= Object.freeze(Object.fromEntries(getEnvironment())) as Record<string, string>;
  return variables;
};

/** The service's variables (`env:` in wasmkube.yaml), read once per instance, on first use. */
export const env: Readonly<Record<string, string | undefined>> = new Proxy(
  {},
  {
    get: (_target, key) => (typeof key === 'string' ? load()[key] : undefined),
    has: (_target, key) => typeof key === 'string' && key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === 'string' && key in load()
        ? { value: load()[key], enumerable: true, configurable: true, writable: false }
        : undefined,
  },
);

const READ_CHUNK = 64n * 1024n;
const WRITE_CHUNK = 4096;
// Set by the host or by the HTTP layer: a guest cannot send these.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function methodName(method: { tag: string; val?: string }): string {
  return method.tag === 'other' ? String(method.val) : method.tag.toUpperCase();
}

function isClosed(err: unknown): boolean {
  return (err as { payload?: { tag?: string } })?.payload?.tag === 'closed';
}

/** The request body as a web stream, read from the host as the handler pulls it. */
function bodyStream(request: IncomingRequest): ReadableStream<Uint8Array> {
  const body = request.consume();
  const input = body.stream();
  const done = () => {
    input[Symbol.dispose]();
    body[Symbol.dispose]();
  };
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        controller.enqueue(input.blockingRead(READ_CHUNK));
      } catch (err) {
        done();
        if (isClosed(err)) controller.close();
        else controller.error(err);
      }
    },
    cancel: done,
  });
}

function toRequest(incoming: IncomingRequest): Request {
  const method = methodName(incoming.method());
  const headers = new Headers();
  for (const [name, value] of incoming.headers().entries()) headers.append(name, decoder.decode(value));
  const authority = incoming.authority() ?? headers.get('host') ?? 'localhost';
  const scheme = incoming.scheme()?.tag === 'HTTPS' ? 'https' : 'http';
  const url = `${scheme}://${authority}${incoming.pathWithQuery() ?? '/'}`;
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(url, {
    method,
    headers,
    ...(hasBody ? { body: bodyStream(incoming), duplex: 'half' } : {}),
  } as RequestInit);
}

async function send(response: Response, responseOut: ResponseOutparam): Promise<void> {
  const fields: [string, Uint8Array][] = [];
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) fields.push([name, encoder.encode(value)]);
  });
  const outgoing = new OutgoingResponse(Fields.fromList(fields));
  outgoing.setStatusCode(response.status);
  const body = outgoing.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: outgoing });
  const out = body.write();
  try {
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const bytes = typeof value === 'string' ? encoder.encode(value) : (value as Uint8Array);
        for (let at = 0; at < bytes.length; at += WRITE_CHUNK) {
          out.blockingWriteAndFlush(bytes.subarray(at, at + WRITE_CHUNK));
        }
      }
    }
  } finally {
    out[Symbol.dispose]();
  }
  OutgoingBody.finish(body, undefined);
}

/**
 * Wraps `handler` as the component's `incomingHandler` export: `export const incomingHandler =
 * serve(handler)`. A thrown error becomes a 500 with its message (and a line on stderr).
 */
export function serve(handler: Handler): IncomingHandler {
  return {
    async handle(incoming, responseOut) {
      let response: Response;
      try {
        response = await handler(toRequest(incoming));
        if (!(response instanceof Response)) throw new TypeError('the handler did not return a Response');
      } catch (err) {
        console.error(err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err));
        response = new Response(`internal error: ${err instanceof Error ? err.message : String(err)}\n`, {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      }
      await send(response, responseOut);
    },
  };
}
