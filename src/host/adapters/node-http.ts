// The only place that knows about sockets: turns node:http requests into HostRequests, writes
// HostResponses back with backpressure, and closes connections politely when the host drains.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { HostApp, HostResponse } from '../app.ts';
import { requestIds } from '../request-id.ts';

export interface NodeServerOptions {
  readonly host: string;
  readonly port: number;
  /** Several threads bind the same port and the kernel spreads connections (Linux SO_REUSEPORT). */
  readonly reusePort: boolean;
}

export class NodeHttpServer {
  readonly server: http.Server;
  readonly #app: HostApp;
  readonly #logger: Logger;
  #closing = false;
  readonly #nextId = requestIds();

  constructor(app: HostApp, logger: Logger) {
    this.#app = app;
    this.#logger = logger;
    this.server = http.createServer({ keepAliveTimeout: 5000, requestTimeout: 0 }, (req, res) => {
      this.#onRequest(req, res);
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (socket.writable && err.code !== 'ECONNRESET') {
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      } else socket.destroy();
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

  /** Stops accepting connections; responses from now on carry `connection: close`. */
  stopAccepting(): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    return closed;
  }

  closeAll(): void {
    this.server.closeAllConnections();
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
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
        pathWithQuery: req.url ?? '/',
        headers,
        body: hasBody ? req : null,
        contentLength: len === undefined ? undefined : Number(len),
        remoteAddress: req.socket.remoteAddress ?? '',
        scheme: 'http',
        authority: req.headers.host ?? '',
        requestId,
      })
      .then(
        (out) => this.#send(req, res, out),
        (err) => {
          this.#logger.error({ err, reqId: requestId }, 'unhandled host error');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"INTERNAL","message":"internal host error"}}\n');
        },
      );
  }

  #send(req: http.IncomingMessage, res: http.ServerResponse, out: HostResponse): void {
    const headers: string[] = [];
    for (const [k, v] of out.headers) headers.push(k, v);
    if (this.#closing) headers.push('connection', 'close');
    if (!req.complete) {
      // The body was not read to its end (too large, or the guest answered early). Closing now would
      // make the kernel reset the connection and the client would lose this response, so the rest is
      // read and dropped (node does that for keep-alive), within a bound of time and size.
      res.once('finish', () => linger(req));
    }
    const body = out.body;
    if (out.status === 204 || out.status === 304) {
      // These statuses carry no body (RFC 9110 6.4.1): whatever the guest wrote is dropped.
      const kept: string[] = [];
      for (let i = 0; i < headers.length; i += 2) {
        if (!/^(content-length|transfer-encoding)$/i.test(headers[i]!))
          kept.push(headers[i]!, headers[i + 1]!);
      }
      res.writeHead(out.status, kept);
      res.end();
      body.attach({ write: () => true, end: () => {}, fail: () => {}, onDrain: () => {} });
      return;
    }
    if (body.ended) {
      const chunks = body.takeBuffered();
      if (!hasHeader(out.headers, 'content-length') && !hasHeader(out.headers, 'transfer-encoding')) {
        let n = 0;
        for (const c of chunks) n += c.length;
        headers.push('content-length', String(n));
      }
      res.writeHead(out.status, headers);
      if (chunks.length === 1) res.end(chunks[0]);
      else {
        for (const c of chunks) res.write(c);
        res.end();
      }
      return;
    }
    res.writeHead(out.status, headers);
    body.attach({
      write: (c) => res.write(c),
      end: () => res.end(),
      fail: (err) => {
        this.#logger.warn({ err: err.message }, 'response body failed; closing the connection');
        res.destroy(err);
      },
      onDrain: (cb) => res.on('drain', cb),
    });
  }
}

const LINGER_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 5000;

function linger(req: http.IncomingMessage): void {
  let dropped = 0;
  const stop = () => req.socket.destroy();
  const timer = setTimeout(stop, LINGER_MS).unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function hasHeader(headers: readonly (readonly [string, string])[], name: string): boolean {
  for (const h of headers) if (h[0].toLowerCase() === name) return true;
  return false;
}
