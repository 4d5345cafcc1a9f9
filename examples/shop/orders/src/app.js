// orders: the shop's order service, a wasi:http/proxy 0.2.12 component in JavaScript (componentize-js).
// GET /orders, POST /orders (JSON), GET /orders/<id>; orders live in this instance's memory.

import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.12';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_BODY = 64 * 1024;
const MAX_WRITE = 4096;

/** @type {Map<string, {id: string, item: string, quantity: number, status: string, createdAt: string}>} */
const orders = new Map();
let nextId = 1;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readBody(request) {
  const body = request.consume();
  const stream = body.stream();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      let chunk;
      try {
        chunk = stream.blockingRead(BigInt(MAX_WRITE * 16));
      } catch (err) {
        if (err?.payload?.tag === 'closed') break;
        throw err;
      }
      size += chunk.length;
      if (size > MAX_BODY) throw new HttpError(413, `order body is larger than ${MAX_BODY} bytes`);
      chunks.push(chunk);
    }
  } finally {
    stream[Symbol.dispose]();
    body[Symbol.dispose]();
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return decoder.decode(all);
}

function send(responseOut, status, value, extraHeaders = []) {
  const bytes = encoder.encode(`${JSON.stringify(value)}\n`);
  const headers = Fields.fromList([
    ['content-type', encoder.encode('application/json')],
    ...extraHeaders.map(([name, v]) => [name, encoder.encode(v)]),
  ]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const stream = body.write();
  for (let i = 0; i < bytes.length; i += MAX_WRITE)
    stream.blockingWriteAndFlush(bytes.subarray(i, i + MAX_WRITE));
  stream[Symbol.dispose]();
  OutgoingBody.finish(body, undefined);
}

function parseOrder(text) {
  let input;
  try {
    input = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON; send {"item": "...", "quantity": 1}');
  }
  if (typeof input?.item !== 'string' || input.item.trim() === '') {
    throw new HttpError(400, '"item" must be a non-empty string');
  }
  const quantity = input.quantity ?? 1;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
    throw new HttpError(400, '"quantity" must be an integer from 1 to 1000');
  }
  return { item: input.item.trim(), quantity };
}

function route(method, path, request, responseOut) {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] !== 'orders' || segments.length > 2) throw new HttpError(404, `no route for ${path}`);
  if (segments.length === 1) {
    if (method === 'get') return send(responseOut, 200, { orders: [...orders.values()] });
    if (method === 'post') {
      const order = {
        id: `ord-${nextId++}`,
        ...parseOrder(readBody(request)),
        status: 'pending',
        createdAt: new Date().toISOString(),
      };
      orders.set(order.id, order);
      return send(responseOut, 201, order, [['location', `/orders/${order.id}`]]);
    }
    throw new HttpError(405, `${method.toUpperCase()} is not allowed on /orders`);
  }
  if (method !== 'get') throw new HttpError(405, `${method.toUpperCase()} is not allowed on ${path}`);
  const order = orders.get(decodeURIComponent(segments[1]));
  if (!order) throw new HttpError(404, `order ${segments[1]} not found`);
  return send(responseOut, 200, order);
}

function handle(request, responseOut) {
  const method = request.method();
  const path = new URL(request.pathWithQuery() ?? '/', 'http://orders.invalid').pathname;
  try {
    route(method.tag === 'other' ? method.val.toLowerCase() : method.tag, path, request, responseOut);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    send(responseOut, err.status, { error: err.message });
  }
}

export const incomingHandler = { handle };
