// wasi:http/outgoing-handler for components, in the host: the outgoing request a guest builds, its
// request-options, and the future response it waits on (JSPI suspends the guest in pollable.block).
// The call itself is the service's `outbound` binding; every failure reaches the guest as an error-code.

import { BodyWriter } from '../../core/body.ts';
import { errorCodeOf } from '../../outbound/error-code.ts';
import type { Outbound, OutboundResult } from '../../outbound/outbound.ts';
import type { TraceContext } from '../../tracing/trace-context.ts';
import { type ErrorCode, Fields, IncomingBody, type Method } from './http.ts';
import { InputStream, type IoError, Pollable, type ScopeRef } from './io.ts';

type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };
type Scheme = { tag: 'HTTP' | 'HTTPS' | 'other'; val?: string };

const OK = { tag: 'ok', val: undefined } as const;
const ERR = { tag: 'err', val: undefined } as const;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** What an instance's outbound calls need of the request it serves now. */
export interface OutgoingState extends ScopeRef {
  deadline: number;
  requestId: string | undefined;
  trace?: TraceContext | undefined;
}

/** The guest's outgoing-body: the same resource type as a response body, writing into a BodyWriter. */
interface OutgoingBodyClass {
  new (writer: BodyWriter): unknown;
}

function methodName(m: Method): string {
  return m.tag === 'other' ? String(m.val) : m.tag.toUpperCase();
}

function ns(d: bigint | undefined): number | undefined {
  return d === undefined ? undefined : Number(d / 1_000_000n);
}

export function outgoingImports(
  state: OutgoingState,
  OutgoingBody: OutgoingBodyClass,
  outbound: Outbound | undefined,
) {
  class OutgoingRequest {
    #method: Method = { tag: 'get' };
    #path: string | undefined;
    #scheme: Scheme | undefined;
    #authority: string | undefined;
    readonly #headers: Fields;
    writer: BodyWriter | null = null;
    constructor(headers: Fields) {
      headers.immutable = true;
      this.#headers = headers;
    }
    method(): Method {
      return this.#method;
    }
    setMethod(m: Method): Result<undefined, undefined> {
      if (m.tag === 'other' && !TOKEN.test(String(m.val))) return ERR;
      this.#method = m;
      return OK;
    }
    pathWithQuery(): string | undefined {
      return this.#path;
    }
    setPathWithQuery(p: string | undefined): Result<undefined, undefined> {
      if (p !== undefined && /[\s#]/.test(p)) return ERR;
      this.#path = p;
      return OK;
    }
    scheme(): Scheme | undefined {
      return this.#scheme;
    }
    setScheme(s: Scheme | undefined): Result<undefined, undefined> {
      if (s?.tag === 'other' && !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(String(s.val))) return ERR;
      this.#scheme = s;
      return OK;
    }
    authority(): string | undefined {
      return this.#authority;
    }
    setAuthority(a: string | undefined): Result<undefined, undefined> {
      if (a !== undefined && /[\s/?#]/.test(a)) return ERR;
      this.#authority = a;
      return OK;
    }
    headers(): Fields {
      return this.#headers;
    }
    body(): Result<unknown, undefined> {
      if (this.writer) return ERR;
      this.writer = new BodyWriter();
      return { tag: 'ok', val: new OutgoingBody(this.writer) };
    }
    /** @internal */
    parts() {
      const s = this.#scheme;
      return {
        method: methodName(this.#method),
        scheme: s === undefined ? undefined : s.tag === 'other' ? String(s.val) : s.tag.toLowerCase(),
        authority: this.#authority,
        pathWithQuery: this.#path,
        headers: this.#headers.toPairs(),
      };
    }
  }

  class RequestOptions {
    #connect: bigint | undefined;
    #firstByte: bigint | undefined;
    #betweenBytes: bigint | undefined;
    connectTimeout() {
      return this.#connect;
    }
    setConnectTimeout(d: bigint | undefined): Result<undefined, undefined> {
      this.#connect = d;
      return OK;
    }
    firstByteTimeout() {
      return this.#firstByte;
    }
    setFirstByteTimeout(d: bigint | undefined): Result<undefined, undefined> {
      this.#firstByte = d;
      return OK;
    }
    betweenBytesTimeout() {
      return this.#betweenBytes;
    }
    setBetweenBytesTimeout(d: bigint | undefined): Result<undefined, undefined> {
      this.#betweenBytes = d;
      return OK;
    }
    /** @internal */
    millis() {
      return {
        connectMs: ns(this.#connect),
        firstByteMs: ns(this.#firstByte),
        betweenBytesMs: ns(this.#betweenBytes),
      };
    }
  }

  class IncomingResponse {
    readonly #res: OutboundResult;
    #consumed = false;
    constructor(res: OutboundResult) {
      this.#res = res;
    }
    status(): number {
      return this.#res.status;
    }
    headers(): Fields {
      return Fields.fromPairs(this.#res.headers);
    }
    consume(): Result<IncomingBody, undefined> {
      if (this.#consumed) return ERR;
      this.#consumed = true;
      return { tag: 'ok', val: new IncomingBody(new InputStream(this.#res.body, state)) };
    }
  }

  type Outcome = Result<IncomingResponse, ErrorCode>;

  class FutureIncomingResponse {
    #outcome: Outcome | undefined;
    #taken = false;
    readonly #settled: Promise<unknown>;
    constructor(p: Promise<OutboundResult>) {
      this.#settled = p.then(
        (res) => {
          this.#outcome = { tag: 'ok', val: new IncomingResponse(res) };
        },
        (err: unknown) => {
          this.#outcome = { tag: 'err', val: errorCodeOf(err) };
        },
      );
    }
    static failed(code: ErrorCode): FutureIncomingResponse {
      const f = new FutureIncomingResponse(Promise.reject(code));
      f.#outcome = { tag: 'err', val: code };
      return f;
    }
    subscribe(): Pollable {
      return new Pollable(
        () => this.#outcome !== undefined,
        () => this.#settled,
        state,
      );
    }
    get(): Result<Outcome, undefined> | undefined {
      if (this.#outcome === undefined) return undefined;
      if (this.#taken) return ERR;
      this.#taken = true;
      return { tag: 'ok', val: this.#outcome };
    }
  }

  /**
   * Always answers with a future: componentize-js (StarlingMonkey) traps with "bad_variant_access" when
   * `handle` itself returns an error, so even a denied call is reported through `future.get()`.
   */
  function handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse {
    if (!outbound) return FutureIncomingResponse.failed({ tag: 'HTTP-request-denied' });
    const parts = request.parts();
    const call = outbound.send({
      ...parts,
      body: request.writer,
      timeouts: options?.millis() ?? {},
      deadline: state.deadline,
      requestId: state.requestId,
      trace: state.trace,
    });
    return new FutureIncomingResponse(call);
  }

  return {
    types: {
      OutgoingRequest,
      RequestOptions,
      IncomingResponse,
      FutureIncomingResponse,
      httpErrorCode: (err: IoError): ErrorCode | undefined =>
        err.cause === undefined ? undefined : errorCodeOf(err.cause),
    },
    handler: { handle },
  };
}
