// The contract every guest engine (wasi:http component, WAGI module) implements, and the request and
// response shapes the host core passes around. Nothing here knows about sockets.

import type { ServiceSpec } from '../../manifest/index.ts';
import type { TraceContext } from '../tracing/trace-context.ts';
import type { BodyReader, BodyWriter } from './body.ts';
import type { Cancel } from './cancel.ts';

export interface GuestRequest {
  readonly method: string;
  /** Path and query exactly as received, e.g. `/orders/1?x=2`. */
  readonly pathWithQuery: string;
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  /** Header names lower-cased, in arrival order, duplicates kept. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: BodyReader;
  readonly requestId: string;
  readonly remoteAddress: string;
  /** The route prefix that selected the service (`/orders`), for CGI SCRIPT_NAME / PATH_INFO. */
  readonly routePrefix: string;
  /** The host's span for this request (W3C ids): the parent of the guest's outbound calls. */
  readonly trace?: TraceContext;
}

export interface GuestResponse {
  status: number;
  headers: [string, string][];
  body: BodyWriter;
}

export type GuestErrorKind = 'trap' | 'deadline' | 'memory' | 'body_limit' | 'invalid_response';

/** Observations the engine reports to the host core (metrics, logs). */
export interface EngineEvents {
  instanceCreated(): void;
  guestLog(stream: 'stdout' | 'stderr', line: string, requestId: string | undefined, traceId?: string): void;
  /** A host decision about this service the user should see once (e.g. isolation switched). */
  notice?(message: string): void;
  /** Lines dropped past the request's log budget (log-budget.ts). */
  guestLogDropped?(lines: number, requestId: string | undefined): void;
}

export interface EngineContext {
  /** performance.now() value after which the guest is stopped. */
  readonly deadline: number;
  readonly signal: Cancel;
}

export interface Engine {
  readonly kind: 'component' | 'wagi';
  readonly service: ServiceSpec;
  /** Serves one request; rejects with a WasmkubeError (GUEST_*, BODY_TOO_LARGE) on guest failure. */
  handle(req: GuestRequest, ctx: EngineContext): Promise<GuestResponse>;
  /** Bytes of wasm linear memory currently held by this engine's live instances. */
  memoryBytes(): number;
  close(): void;
}
