// The only place that knows about sockets: turns node:http requests into HostRequests, writes
// HostResponses back with backpressure, and closes connections politely when the host drains.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { WasmkubeError } from '../../errors.ts';
import type { HttpLimits } from '../../manifest/index.ts';
import type { HostApp, HostResponse } from '../core/app.ts';
import { Cancel } from '../core/cancel.ts';
import http from '../core/node-http-module.ts';
import { requestIds } from '../core/request-id.ts';

export interface NodeServerOptions {
  readonly host: string;
  readonly port: number;
  /** Several threads bind the same port and the kernel spreads connections (Linux SO_REUSEPORT). */
  readonly reusePort: boolean;
}

/**
 * Headers that describe the connection, not the response: the host owns them (RFC 9110 7.6.1). A
 * guest's content-length is dropped too: the host frames the body itself, so a wrong one cannot
 * corrupt a keep-alive connection.
 */
const HOST_OWNED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);

export class NodeHttpServer {
  readonly server: Server;
  readonly #app: HostApp;
  readonly #logger: Logger;
  #closing = false;
  #closeAfterResponse = false;
  #active = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #nextId = requestIds();

  readonly #limits: HttpLimits;

  constructor(app: HostApp, logger: Logger, limits: HttpLimits = DEFAULT_HTTP_LIMITS) {
    this.#app = app;
    this.#logger = logger;
    this.#limits = limits;
    this.server = http.createServer(
      {
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        // requestTimeout 0 (guests have their own deadlines) would also turn headersTimeout off unless
        // it is given; Node checks it every connectionsCheckingInterval, from the connection's start.
        requestTimeout: 0,
        headersTimeout: limits.headersTimeoutMs,
        connectionsCheckingInterval: checkingInterval(limits),
        maxHeaderSize: limits.maxHeaderBytes,
      },
      (req, res) => {
        this.#onRequest(req, res);
      },
    );
    // Beyond it Node closes a new connection as soon as it is accepted: it costs a descriptor for
    // microseconds, and the connections already open (a probe's keep-alive one) go on being served.
    this.server.maxConnections = limits.maxConnections;
    let dropped = 0;
    let warnedAt = Number.NEGATIVE_INFINITY;
    this.server.on('drop', () => {
      dropped++;
      // At most one line per 10 s: a flood of refused connections must not become a flood of logs.
      const now = performance.now();
      if (now - warnedAt < 10_000) return;
      warnedAt = now;
      logger.warn(
        { maxConnections: limits.maxConnections, dropped },
        'connection limit reached: new connections are closed (host.http.maxConnections)',
      );
      dropped = 0;
    });
    this.server.on('connection', (socket: Socket) => {
      // A connection that never sends a byte is closed without a word (nothing to answer yet).
      const timer = setTimeout(() => {
        if (socket.bytesRead === 0) socket.destroy();
      }, limits.firstByteTimeoutMs).unref();
      socket.once('close', () => clearTimeout(timer));
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || err.code === 'ECONNRESET' || (socket as Socket).bytesRead === 0) {
        socket.destroy();
        return;
      }
      socket.end(`HTTP/1.1 ${clientErrorStatus(err.code)}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      // Whatever the client still sends is not read: closed for good after a moment to flush the answer.
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  listen(opts: NodeServerOptions): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: opts.host, port: opts.port, reusePort: opts.reusePort }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * A drain has begun but the listener still accepts: every response from now on carries
   * `connection: close`, so busy keep-alive connections end cleanly after their next response instead
   * of being closed idle at the end of the drain delay, where a client may be sending on them.
   */
  closeAfterResponses(): void {
    this.#closeAfterResponse = true;
  }

  /** Responses not yet handed to the kernel in full. */
  get active(): number {
    return this.#active;
  }

  /**
   * Stops accepting connections; responses from now on carry `connection: close`, so every connection
   * closes after its current response. Resolves when the last connection has closed.
   */
  stopAccepting(): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    return closed;
  }

  /** Resolves when every response has been written out (not just produced by its guest). */
  idle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  closeAll(): void {
    this.server.closeAllConnections();
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url.length > this.#limits.maxUrlBytes) {
      // Nothing of it is routed; the connection closes after the answer, its body (if any) unread.
      const err = new WasmkubeError(
        'URI_TOO_LONG',
        `the request target is longer than ${this.#limits.maxUrlBytes} bytes`,
        { fix: 'send a shorter URL, or raise host.http.maxUrlLength' },
      );
      res.writeHead(err.status, { 'content-type': 'application/json', connection: 'close' });
      res.end(`${JSON.stringify({ error: { code: err.code, message: err.message, fix: err.fix } })}\n`);
      return;
    }
    this.#active++;
    const client = new Cancel();
    let sent: HostResponse | undefined;
    res.once('close', () => {
      sent?.body.delivered();
      // Gone before the whole response was written: whatever serves it stops at its next wait.
      if (!res.writableFinished) {
        client.abort(
          new WasmkubeError('CLIENT_CLOSED', 'the client closed the connection before the response ended'),
        );
      }
      if (--this.#active === 0) for (const w of this.#idleWaiters.splice(0)) w();
      // Connections that outlive their last response during a drain are closed now, not at the grace end.
      if (this.#closing) this.server.closeIdleConnections();
    });
    const raw = req.rawHeaders;
    const headers: [string, string][] = [];
    for (let i = 0; i < raw.length; i += 2) headers.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : this.#nextId();
    const len = req.headers['content-length'];
    const hasBody = len !== undefined ? len !== '0' : req.headers['transfer-encoding'] !== undefined;
    this.#app
      .handle({
        method: req.method ?? 'GET',
        pathWithQuery: url,
        headers,
        body: hasBody ? req : null,
        contentLength: len === undefined ? undefined : Number(len),
        remoteAddress: req.socket.remoteAddress ?? '',
        scheme: 'http',
        authority: req.headers.host ?? '',
        requestId,
        signal: client,
        tracksDelivery: true,
      })
      .then((out) => {
        sent = out;
        // Closed before the answer was ready: nothing will be sent, nothing is held for it.
        if (res.closed) out.body.delivered();
        this.#send(req, res, out, requestId);
      })
      .catch((err: unknown) => {
        // A bug in the host, or a response Node refuses to write: this request fails, the host goes on.
        this.#logger.error({ err, reqId: requestId }, 'could not send the response');
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json', 'x-request-id': requestId });
          res.end(
            `${JSON.stringify({ error: { code: 'INVALID_RESPONSE', message: 'the service produced a response that cannot be sent', requestId } })}\n`,
          );
        } else res.destroy();
      });
  }

  #send(req: IncomingMessage, res: ServerResponse, out: HostResponse, requestId: string): void {
    const headers: string[] = [];
    let guestLength: string | undefined;
    for (const [k, v] of out.headers) {
      const name = k.toLowerCase();
      if (HOST_OWNED.has(name)) {
        if (name === 'content-length') guestLength = v;
        continue;
      }
      if (name === 'x-request-id') continue;
      headers.push(k, v);
    }
    headers.push('x-request-id', requestId);
    if (!req.complete) {
      // The body was not read to its end (too large, or the guest answered early). The connection
      // closes after this response (Node would otherwise read and drop the rest for as long as the
      // client sends), and the rest is read and dropped only within a bound of time and size:
      // closing at once would make the kernel reset the connection and the client lose the response.
      headers.push('connection', 'close');
      lingerOnClose(req.socket);
      res.once('finish', () => linger(req));
    } else if (this.#closing || this.#closeAfterResponse) headers.push('connection', 'close');
    const body = out.body;
    // Until the client has the bytes (or is gone), the response holds its service's slot (app.ts).
    res.once('finish', () => body.delivered());
    res.once('close', () => body.delivered());
    // The client went away: a guest still writing stops at its next wait instead of at its deadline.
    if (res.destroyed) {
      body.fail(new WasmkubeError('CLIENT_CLOSED', 'the client closed the connection'));
      return;
    }
    res.once('close', () => {
      if (!res.writableFinished)
        body.fail(new WasmkubeError('CLIENT_CLOSED', 'the client closed the connection'));
    });
    if (out.status === 204 || out.status === 304) {
      // These statuses carry no body (RFC 9110 6.4.1): whatever the guest wrote is dropped.
      res.writeHead(out.status, headers);
      res.end();
      body.attach({ write: () => true, end: () => {}, fail: () => {}, onDrain: () => {} });
      return;
    }
    if (body.ended) {
      const chunks = body.takeBuffered();
      let n = 0;
      for (const c of chunks) n += c.length;
      // HEAD: no body is sent, so the length the guest announced for GET is the one to pass on.
      headers.push(
        'content-length',
        req.method === 'HEAD' && guestLength !== undefined ? guestLength : String(n),
      );
      res.writeHead(out.status, headers);
      if (chunks.length === 1) res.end(chunks[0]);
      else {
        for (const c of chunks) res.write(c);
        res.end();
      }
      // Written, not yet delivered: a client still not reading at the deadline is cut off (app.ts).
      body.attach({
        write: () => true,
        end: () => {},
        fail: (err) => {
          if (!res.destroyed)
            this.#logger.warn(
              { err: err.message, reqId: requestId },
              'response not taken; closing the connection',
            );
          res.destroy();
        },
        onDrain: () => {},
      });
      return;
    }
    res.writeHead(out.status, headers);
    // A guest writes in pieces (wasi:io allows 4 KiB per blocking write): what it writes in one turn
    // of the event loop goes out as one chunk in one system call, not one per piece. Pieces copied
    // side by side into one slab (io.ts) are joined without a copy.
    let pending: Uint8Array | null = null;
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (pending === null) return;
      const chunk = pending;
      pending = null;
      res.write(chunk);
    };
    body.attach({
      write: (c) => {
        // Small arrays (not slab pieces) may live on V8's heap, where `.buffer` is costly: not checked.
        if (
          pending !== null &&
          pending.length > 64 &&
          c.length > 64 &&
          pending.buffer === c.buffer &&
          pending.byteOffset + pending.length === c.byteOffset
        ) {
          pending = new Uint8Array(c.buffer, pending.byteOffset, pending.length + c.length);
        } else {
          if (pending !== null) res.write(pending);
          pending = c;
        }
        if (!scheduled) {
          scheduled = true;
          process.nextTick(flush);
        }
        // Node says "wait" once its small buffer is full; a guest suspended for each 64 KiB pays a
        // round trip through the event loop for nothing. Up to WRITE_BUDGET per response is let
        // through before the guest waits for the socket.
        return res.writableLength + pending.length < WRITE_BUDGET;
      },
      end: () => {
        // The last piece and the end of the chunked body go out together.
        const last = pending;
        pending = null;
        if (last === null) res.end();
        else res.end(last);
      },
      fail: (err) => {
        if (!res.destroyed)
          this.#logger.warn(
            { err: err.message, reqId: requestId },
            'response body failed; closing the connection',
          );
        res.destroy();
      },
      onDrain: (cb) => res.on('drain', cb),
    });
  }
}

/** Response bytes buffered in Node before a writing guest waits for the socket. */
const WRITE_BUDGET = 256 * 1024;

/** After a response to a request whose body was not read (413, early answer): what is still read. */
const LINGER_BYTES = 1024 * 1024;
const LINGER_MS = 2000;

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  firstByteTimeoutMs: 5000,
  maxConnections: 4096,
  maxHeaderBytes: 16 * 1024,
  maxUrlBytes: 8 * 1024,
};

/** How often Node looks for connections past headersTimeout: a fraction of it, so it holds closely. */
function checkingInterval(limits: HttpLimits): number {
  return Math.min(1000, Math.max(25, Math.floor(limits.headersTimeoutMs / 4)));
}

function clientErrorStatus(code: string | undefined): string {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return '431 Request Header Fields Too Large';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return '408 Request Timeout';
    default:
      return '400 Bad Request';
  }
}

/**
 * When this response ends the connection (the client sent `connection: close`, or the host drains),
 * Node destroys the socket as soon as the response is written, with request bytes still unread: the
 * kernel then resets the connection and the client may never see the response. Close the write side
 * only, and destroy once the client is done sending (or the linger bounds run out).
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS).unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
  };
}

function linger(req: IncomingMessage): void {
  // The body ended while the response was being written: nothing to drop, and no 'end' would come to
  // clear the timer below, which would then reset this keep-alive connection under a later request.
  if (req.complete) return;
  let dropped = 0;
  const stop = () => req.socket.destroy();
  const timer = setTimeout(stop, LINGER_MS).unref();
  // The body reader may have paused the request; from here on nothing reads it but this.
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
