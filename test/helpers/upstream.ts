// A real HTTP server on 127.0.0.1 for outbound tests: records what reached it and answers by path
// with a handler the test gives (streaming, hanging, resetting as the test needs).

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

export interface Upstream {
  readonly port: number;
  readonly origin: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

export async function startUpstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('upstream ok\n'),
): Promise<Upstream> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen({ port: 0, host: '127.0.0.1' }, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
