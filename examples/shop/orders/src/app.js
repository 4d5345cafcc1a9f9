// orders: the shop's order service, a wasi:http/proxy 0.2.12 component in JavaScript (componentize-js).
// POST /orders reserves stock from `inventory`, charges `payments` (both called by name through
// wasi:http/outgoing-handler) and stores the order in the `default` key-value store; GET /orders/ID
// reads it back (after a restart too, from any serving thread); GET /orders lists them.

import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { handle as send } from 'wasi:http/outgoing-handler@0.2.12';
import {
  Fields,
  OutgoingBody,
  OutgoingRequest,
  OutgoingResponse,
  ResponseOutparam,
} from 'wasi:http/types@0.2.12';
import { open } from 'wasi:keyvalue/store@0.2.0-draft2';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_BODY = 64 * 1024;
const MAX_WRITE = 4096;
/** Prices in cents; `catalog` shows the same list. */
const PRICES = { book: 1250, mug: 800, pen: 200 };

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function currency() {
  return getEnvironment().find(([name]) => name === 'CURRENCY')?.[1] ?? 'EUR';
}

function readStream(body, limit) {
  const stream = body.stream();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      let chunk;
      try {
        chunk = stream.blockingRead(65536n);
      } catch (err) {
        if (err?.payload?.tag === 'closed') break;
        throw err;
      }
      size += chunk.length;
      if (size > limit) throw new HttpError(413, `body is larger than ${limit} bytes`);
      chunks.push(chunk);
    }
  } finally {
    stream[Symbol.dispose]();
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return decoder.decode(all);
}

function writeAll(body, bytes) {
  const stream = body.write();
  for (let i = 0; i < bytes.length; i += MAX_WRITE)
    stream.blockingWriteAndFlush(bytes.subarray(i, i + MAX_WRITE));
  stream[Symbol.dispose]();
  OutgoingBody.finish(body, undefined);
}

function reply(responseOut, status, value, extraHeaders = []) {
  const headers = Fields.fromList([
    ['content-type', encoder.encode('application/json')],
    ...extraHeaders.map(([name, v]) => [name, encoder.encode(v)]),
  ]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  writeAll(body, encoder.encode(`${JSON.stringify(value)}\n`));
}

/** POSTs JSON to another service of the app by name (`http://inventory/...`); returns status and body. */
function call(service, path, value) {
  const request = new OutgoingRequest(
    Fields.fromList([['content-type', encoder.encode('application/json')]]),
  );
  request.setMethod({ tag: 'post' });
  request.setScheme({ tag: 'HTTP' });
  request.setAuthority(service);
  request.setPathWithQuery(path);
  const body = request.body();
  let future;
  try {
    future = send(request, undefined);
  } catch (err) {
    throw new HttpError(502, `cannot call ${service}: ${errorCode(err)}`);
  }
  writeAll(body, encoder.encode(JSON.stringify(value)));
  const ready = future.subscribe();
  ready.block();
  ready[Symbol.dispose]();
  const outcome = future.get();
  future[Symbol.dispose]();
  if (outcome?.tag !== 'ok' || outcome.val.tag !== 'ok') {
    throw new HttpError(502, `${service} did not answer: ${errorCode(outcome?.val?.val)}`);
  }
  const response = outcome.val.val;
  const status = response.status();
  const incoming = response.consume();
  const text = readStream(incoming, MAX_BODY);
  incoming[Symbol.dispose]();
  response[Symbol.dispose]();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { error: text.trim() };
  }
  return { status, json };
}

function errorCode(err) {
  const code = err?.payload ?? err;
  return code?.tag ?? String(code);
}

function parseOrder(text) {
  let input;
  try {
    input = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON; send {"item": "book", "quantity": 1}');
  }
  if (typeof input?.item !== 'string' || !(input.item in PRICES)) {
    throw new HttpError(400, `"item" must be one of ${Object.keys(PRICES).join(', ')}`);
  }
  const quantity = input.quantity ?? 1;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
    throw new HttpError(400, '"quantity" must be an integer from 1 to 1000');
  }
  return { item: input.item, quantity };
}

function bucket() {
  try {
    return open('default');
  } catch (err) {
    throw new HttpError(503, `the order store is unavailable: ${errorCode(err)}`);
  }
}

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `ord-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function placeOrder(request) {
  const incoming = request.consume();
  const { item, quantity } = parseOrder(readStream(incoming, MAX_BODY));
  incoming[Symbol.dispose]();
  const id = newId();
  const reserved = call('inventory', '/inventory/reserve', { item, quantity, order: id });
  if (reserved.status === 409) throw new HttpError(409, reserved.json.error ?? `not enough ${item}`);
  if (reserved.status !== 200) throw new HttpError(502, `inventory answered ${reserved.status}`);
  const amountCents = PRICES[item] * quantity;
  const charged = call('payments', '/payments', { order: id, amountCents });
  const order = {
    id,
    item,
    quantity,
    amountCents,
    currency: currency(),
    status: charged.status === 201 ? 'paid' : 'payment_failed',
    payment: charged.status === 201 ? charged.json.id : charged.json.error,
    createdAt: new Date().toISOString(),
  };
  bucket().set(`order:${id}`, encoder.encode(JSON.stringify(order)));
  return order;
}

function listOrders() {
  const store = bucket();
  const orders = [];
  let cursor;
  do {
    const page = store.listKeys(cursor);
    for (const key of page.keys) {
      const value = key.startsWith('order:') ? store.get(key) : undefined;
      if (value) orders.push(JSON.parse(decoder.decode(value)));
    }
    cursor = page.cursor;
  } while (cursor !== undefined && orders.length < 1000);
  return orders.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function route(method, path, request, responseOut) {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] !== 'orders' || segments.length > 2) throw new HttpError(404, `no route for ${path}`);
  if (segments.length === 1) {
    if (method === 'get') return reply(responseOut, 200, { orders: listOrders() });
    if (method === 'post') {
      const order = placeOrder(request);
      return reply(responseOut, order.status === 'paid' ? 201 : 402, order, [
        ['location', `/orders/${order.id}`],
      ]);
    }
    throw new HttpError(405, `${method.toUpperCase()} is not allowed on /orders`);
  }
  if (method !== 'get') throw new HttpError(405, `${method.toUpperCase()} is not allowed on ${path}`);
  const id = decodeURIComponent(segments[1]);
  const value = /^ord-[0-9a-f]{12}$/.test(id) ? bucket().get(`order:${id}`) : undefined;
  if (!value) throw new HttpError(404, `order ${id} not found`);
  return reply(responseOut, 200, JSON.parse(decoder.decode(value)));
}

function handle(request, responseOut) {
  const method = request.method();
  const path = new URL(request.pathWithQuery() ?? '/', 'http://orders.invalid').pathname;
  try {
    route(method.tag === 'other' ? method.val.toLowerCase() : method.tag, path, request, responseOut);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    reply(responseOut, err.status, { error: err.message });
  }
}

export const incomingHandler = { handle };
