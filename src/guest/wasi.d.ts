// Just enough of the wasi:http and wasi:cli bindings that componentize-js provides inside a guest for
// src/guest/http.ts to type-check; the real modules exist only in the component.

declare module 'wasi:cli/environment@0.2.12' {
  export function getEnvironment(): [string, string][];
}

declare module 'wasi:http/types@0.2.12' {
  interface Disposable {
    [Symbol.dispose](): void;
  }
  export interface InputStream extends Disposable {
    blockingRead(len: bigint): Uint8Array;
  }
  export interface OutputStream extends Disposable {
    blockingWriteAndFlush(bytes: Uint8Array): void;
  }
  export interface IncomingBody extends Disposable {
    stream(): InputStream;
  }
  export interface IncomingRequest {
    method(): { tag: string; val?: string };
    pathWithQuery(): string | undefined;
    scheme(): { tag: string; val?: string } | undefined;
    authority(): string | undefined;
    headers(): Fields;
    consume(): IncomingBody;
  }
  export class Fields {
    static fromList(entries: [string, Uint8Array][]): Fields;
    entries(): [string, Uint8Array][];
  }
  export class OutgoingBody {
    static finish(body: OutgoingBody, trailers: Fields | undefined): void;
    write(): OutputStream;
  }
  export class OutgoingResponse {
    constructor(headers: Fields);
    setStatusCode(status: number): void;
    body(): OutgoingBody;
  }
  export class ResponseOutparam {
    private constructor();
    static set(out: ResponseOutparam, result: { tag: 'ok'; val: OutgoingResponse }): void;
  }
}
