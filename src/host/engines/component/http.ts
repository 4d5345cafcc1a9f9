// wasi:http/types for components, in the host: headers (fields), the incoming request the guest reads
// while its body arrives, and the outgoing response it writes into the host's response body writer.

import { type BodyReader, BodyWriter } from '../../core/body.ts';
import { latin1 } from '../../core/latin1.ts';
import type { Outbound } from '../../outbound/outbound.ts';
import { bodySink, InputStream, OutputStream, Pollable, type ScopeRef, type WaitScope } from './io.ts';
import { type OutgoingState, outgoingImports } from './outgoing.ts';

type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };
type HeaderError = { tag: 'invalid-syntax' | 'forbidden' | 'immutable' };
export type Method = { tag: string; val?: string };
export type ErrorCode = { tag: string; val?: unknown };

const OK = { tag: 'ok', val: undefined } as const;
const IMMUTABLE: Result<undefined, HeaderError> = { tag: 'err', val: { tag: 'immutable' } };
const INVALID: Result<undefined, HeaderError> = { tag: 'err', val: { tag: 'invalid-syntax' } };
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** field-value of RFC 9110: visible ASCII, obs-text (0x80–0xff), space and tab; no CR, LF, NUL, DEL. */
function validValue(v: Uint8Array): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** Total bytes of names and values one Fields may hold: a guest cannot make the host hoard headers. */
const MAX_FIELDS_BYTES = 64 * 1024;
const FORBIDDEN: Result<undefined, HeaderError> = { tag: 'err', val: { tag: 'forbidden' } };

/** Header fields: names lower-cased, values kept as bytes the way the guest gave them. */
export class Fields {
  entriesList: [string, Uint8Array][] = [];
  immutable = false;

  #size(): number {
    let n = 0;
    for (const [k, v] of this.entriesList) n += k.length + v.length;
    return n;
  }

  static fromList(entries: [string, Uint8Array][]): Fields {
    const f = new Fields();
    let size = 0;
    for (const [name, value] of entries) {
      if (!TOKEN.test(name) || !validValue(value)) throw { payload: { tag: 'invalid-syntax' } };
      size += name.length + value.length;
      if (size > MAX_FIELDS_BYTES) throw { payload: { tag: 'forbidden' } };
      f.entriesList.push([name.toLowerCase(), value]);
    }
    return f;
  }

  static fromPairs(pairs: readonly (readonly [string, string])[]): Fields {
    const f = new Fields();
    // Node hands request headers over as latin1 strings: back to the bytes that arrived.
    for (const [name, value] of pairs) f.entriesList.push([name, Buffer.from(value, 'latin1')]);
    f.immutable = true;
    return f;
  }

  get(name: string): Uint8Array[] {
    const n = name.toLowerCase();
    const out: Uint8Array[] = [];
    for (const [k, v] of this.entriesList) if (k === n) out.push(v);
    return out;
  }
  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.entriesList.some(([k]) => k === n);
  }
  set(name: string, values: Uint8Array[]): Result<undefined, HeaderError> {
    if (this.immutable) return IMMUTABLE;
    if (!TOKEN.test(name) || !values.every(validValue)) return INVALID;
    if (this.#size() + values.reduce((n, v) => n + name.length + v.length, 0) > MAX_FIELDS_BYTES)
      return FORBIDDEN;
    const n = name.toLowerCase();
    this.entriesList = this.entriesList.filter(([k]) => k !== n);
    for (const v of values) this.entriesList.push([n, v]);
    return OK;
  }
  delete(name: string): Result<undefined, HeaderError> {
    if (this.immutable) return IMMUTABLE;
    const n = name.toLowerCase();
    this.entriesList = this.entriesList.filter(([k]) => k !== n);
    return OK;
  }
  append(name: string, value: Uint8Array): Result<undefined, HeaderError> {
    if (this.immutable) return IMMUTABLE;
    if (!TOKEN.test(name) || !validValue(value)) return INVALID;
    if (this.#size() + name.length + value.length > MAX_FIELDS_BYTES) return FORBIDDEN;
    this.entriesList.push([name.toLowerCase(), value]);
    return OK;
  }
  entries(): [string, Uint8Array][] {
    return this.entriesList.map(([k, v]) => [k, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.entriesList = this.entries();
    return f;
  }
  /** Header bytes as Node writes them: one char per byte (latin1), so bytes go out unchanged. */
  toPairs(): [string, string][] {
    return this.entriesList.map(([k, v]) => [k, latin1(v)]);
  }
}

const METHODS: Record<string, Method> = {
  GET: { tag: 'get' },
  HEAD: { tag: 'head' },
  POST: { tag: 'post' },
  PUT: { tag: 'put' },
  DELETE: { tag: 'delete' },
  CONNECT: { tag: 'connect' },
  OPTIONS: { tag: 'options' },
  TRACE: { tag: 'trace' },
  PATCH: { tag: 'patch' },
};

export interface IncomingRequestInit {
  readonly method: string;
  readonly pathWithQuery: string;
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: BodyReader;
  readonly scope: ScopeRef;
}

export class IncomingRequest {
  readonly #init: IncomingRequestInit;
  #consumed = false;
  constructor(init: IncomingRequestInit) {
    this.#init = init;
  }
  method(): Method {
    return METHODS[this.#init.method] ?? { tag: 'other', val: this.#init.method };
  }
  pathWithQuery(): string {
    return this.#init.pathWithQuery;
  }
  scheme(): { tag: string } {
    return { tag: this.#init.scheme === 'https' ? 'HTTPS' : 'HTTP' };
  }
  authority(): string {
    return this.#init.authority;
  }
  headers(): Fields {
    return Fields.fromPairs(this.#init.headers);
  }
  consume(): Result<IncomingBody, undefined> {
    if (this.#consumed) return { tag: 'err', val: undefined };
    this.#consumed = true;
    return { tag: 'ok', val: new IncomingBody(new InputStream(this.#init.body, this.#init.scope)) };
  }
}

export class IncomingBody {
  readonly #stream: InputStream;
  #taken = false;
  constructor(stream: InputStream) {
    this.#stream = stream;
  }
  stream(): Result<InputStream, undefined> {
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    return { tag: 'ok', val: this.#stream };
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export class FutureTrailers {
  #done = false;
  subscribe(): Pollable {
    return Pollable.always;
  }
  get(): Result<Result<Fields | undefined, ErrorCode>, undefined> | undefined {
    if (this.#done) return { tag: 'err', val: undefined };
    this.#done = true;
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

/** Where the guest puts its answer; the engine is told at once so the head can go out early. */
export class ResponseOutparam {
  result: Result<GuestOutgoingResponse, ErrorCode> | undefined;
  readonly onSet: () => void;
  constructor(onSet: () => void = () => {}) {
    this.onSet = onSet;
  }
  static set(param: ResponseOutparam, response: Result<GuestOutgoingResponse, ErrorCode>): void {
    if (param.result !== undefined) throw new Error('response-outparam.set called twice');
    param.result = response;
    param.onSet();
  }
}

/**
 * The per-instance part of wasi:http: the response a guest builds writes into a body whose waits are
 * bounded by the request the instance serves now (`state.scope`).
 */
export interface HttpState {
  scope: WaitScope | null;
}

/** What the engine reads of a guest's response. */
export interface GuestOutgoingResponse {
  readonly status: number;
  readonly headersField: Fields;
  readonly bodyWriter: BodyWriter;
}

/**
 * wasi:http imports for one instance; `state.scope` is the request that instance serves now. jco's glue
 * looks imports up without their version, so these serve every 0.2.x patch version a guest imports.
 */
export function httpImports(state: OutgoingState, outbound?: Outbound) {
  class OutgoingResponse implements GuestOutgoingResponse {
    status = 200;
    readonly headersField: Fields;
    readonly bodyWriter = new BodyWriter();
    #bodyTaken = false;
    constructor(headers: Fields) {
      headers.immutable = true;
      this.headersField = headers;
    }
    statusCode(): number {
      return this.status;
    }
    setStatusCode(code: number): Result<undefined, undefined> {
      if (code < 100 || code > 599) return { tag: 'err', val: undefined };
      this.status = code;
      return OK;
    }
    headers(): Fields {
      return this.headersField;
    }
    body(): Result<OutgoingBody, undefined> {
      if (this.#bodyTaken) return { tag: 'err', val: undefined };
      this.#bodyTaken = true;
      return { tag: 'ok', val: new OutgoingBody(this.bodyWriter) };
    }
  }

  class OutgoingBody {
    readonly writer: BodyWriter;
    #stream: OutputStream | null = null;
    constructor(writer: BodyWriter) {
      this.writer = writer;
    }
    write(): Result<OutputStream, undefined> {
      if (this.#stream) return { tag: 'err', val: undefined };
      this.#stream = new OutputStream(bodySink(this.writer), state);
      return { tag: 'ok', val: this.#stream };
    }
    static finish(body: OutgoingBody, _trailers: Fields | undefined): Result<undefined, ErrorCode> {
      if (body.#stream) body.#stream.closed = true;
      body.writer.end();
      return OK;
    }
  }

  const outgoing = outgoingImports(state, OutgoingBody, outbound);
  return {
    'wasi:http/types': {
      Fields,
      IncomingRequest,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse,
      OutgoingBody,
      ResponseOutparam,
      ...outgoing.types,
    },
    'wasi:http/outgoing-handler': outgoing.handler,
  };
}
