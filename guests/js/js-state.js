// js-state: the state test guest, built with componentize-js against wasmkube:guests/http-state
// (wasi:config + wasi:keyvalue with atomics and batch). Paths (optionally under /s/NAME): see test/helpers/guests.ts.

import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { get as configGet, getAll as configGetAll } from 'wasi:config/store@0.2.0-draft-2024-09-27';
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.12';
import { Cas, increment, swap } from 'wasi:keyvalue/atomics@0.2.0-draft2';
import { deleteMany, getMany, setMany } from 'wasi:keyvalue/batch@0.2.0-draft2';
import { open } from 'wasi:keyvalue/store@0.2.0-draft2';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function respond(responseOut, status, value) {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  const headers = Fields.fromList([['content-type', encoder.encode('application/json')]]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const out = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const stream = out.write();
  const bytes = encoder.encode(body);
  for (let i = 0; i < bytes.length; i += 4096) stream.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
  stream[Symbol.dispose]();
  OutgoingBody.finish(out, undefined);
}

/** A wasi error (thrown by the bindings as `{ payload }`) as JSON the tests can read. */
function failure(err) {
  const p = err?.payload ?? err;
  return { error: p?.tag ?? String(p), detail: p?.val?.tag ?? p?.val ?? null };
}

const text = (b) => (b === undefined ? null : decoder.decode(b));

function handle(fullPath, query) {
  // `/s/NAME/...`: the same guest serves several services of one app, each under its own prefix.
  const path = fullPath.replace(/^\/s\/[^/]+/, '') || '/';
  const [, op, store = 'default', key = 'k'] = path.split('/');
  const value = query.get('value') ?? '';
  switch (op) {
    case 'config':
      // /config/NAME: one value; /config: every value this service may read.
      if (path === '/config') return Object.fromEntries(configGetAll());
      return { value: configGet(store) ?? null };
    case 'env':
      return Object.fromEntries(getEnvironment());
    case 'log':
      // Prints a variable to stdout: the host must keep secret values out of its log.
      console.log(`the value is ${configGet(store)}`);
      return { logged: true };
    case 'get':
      return { value: text(open(store).get(key)) };
    case 'set':
      open(store).set(key, encoder.encode(value));
      return { ok: true };
    case 'getset': {
      // The bench's request: read a key, write it back changed.
      const b = open(store);
      const old = text(b.get(key)) ?? '';
      b.set(key, encoder.encode(String(old.length)));
      return { old };
    }
    case 'delete':
      open(store).delete(key);
      return { ok: true };
    case 'exists':
      return { exists: open(store).exists(key) };
    case 'keys': {
      const b = open(store);
      const keys = [];
      let cursor;
      do {
        const page = b.listKeys(cursor);
        keys.push(...page.keys);
        cursor = page.cursor;
      } while (cursor !== undefined);
      return { keys: keys.sort() };
    }
    case 'incr':
      return { value: String(increment(open(store), key, BigInt(query.get('by') ?? '1'))) };
    case 'cas': {
      // Compare-and-swap loop appending `value` to the key: correct only if swap is atomic.
      const b = open(store);
      for (let tries = 1; tries <= 1000; tries++) {
        const cas = Cas.new(b, key);
        const now = text(cas.current()) ?? '';
        try {
          swap(cas, encoder.encode(now + value));
          return { tries };
        } catch (err) {
          if (err?.payload?.tag !== 'cas-failed') throw err;
        }
      }
      return { tries: -1 };
    }
    case 'batch': {
      const b = open(store);
      setMany(b, [
        [`${key}1`, encoder.encode('one')],
        [`${key}2`, encoder.encode('two')],
      ]);
      const got = getMany(b, [`${key}1`, `${key}2`, `${key}3`]).map((e) => (e ? [e[0], text(e[1])] : null));
      deleteMany(b, [`${key}1`]);
      return { got, after: text(b.get(`${key}1`)) };
    }
    default:
      return undefined;
  }
}

export const incomingHandler = {
  handle(request, responseOut) {
    const pathWithQuery = request.pathWithQuery() ?? '/';
    const [path, qs = ''] = pathWithQuery.split('?');
    const query = new URLSearchParams(qs);
    try {
      const result = handle(path, query);
      if (result === undefined) respond(responseOut, 404, { error: 'not found' });
      else respond(responseOut, 200, result);
    } catch (err) {
      respond(responseOut, 500, failure(err));
    }
  },
};
