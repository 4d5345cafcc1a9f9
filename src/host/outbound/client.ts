// The outbound HTTP client: undici, loaded on the first call a guest makes (start-up does not pay for
// it), one pooled keep-alive agent per connect timeout. Redirects are never followed: the guest gets
// the 3xx and decides, and its next request is checked against the list like any other.

import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

export interface ClientRequest {
  readonly url: URL;
  readonly method: string;
  /** Flat `[name, value, name, value…]`, latin1 strings. */
  readonly headers: string[];
  readonly body: Buffer | Readable | null;
  /** @default 10000 */
  readonly connectTimeoutMs?: number;
  /** Until the response head arrives. @default 300000 (undici's) */
  readonly firstByteTimeoutMs?: number;
  /** Between two chunks of the response body. @default 300000 (undici's) */
  readonly betweenBytesTimeoutMs?: number;
  readonly signal: AbortSignal;
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Readable;
}

type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;
const agents = new Map<number, Dispatcher>();

/**
 * `host:port:to-host:to-port` pairs, comma-separated, as curl's --connect-to: the URL (and the list
 * check, the Host header and TLS name) stay as written; only the TCP connection goes elsewhere.
 * For running one service of an app locally against the others elsewhere (`http://payments` → a
 * port-forward).
 */
export function parseConnectTo(value: string | undefined): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const item of (value ?? '').split(',')) {
    const m = /^([^:\s]+):(\d+):([^:\s]+):(\d+)$/.exec(item.trim());
    if (m) out.set(`${m[1]!.toLowerCase()}:${m[2]}`, { host: m[3]!, port: Number(m[4]) });
  }
  return out;
}

const connectTo = parseConnectTo(process.env.WASMKUBE_CONNECT_TO);

async function agentFor(connectTimeoutMs: number): Promise<Dispatcher> {
  undici ??= import('undici');
  const u = await undici;
  let agent = agents.get(connectTimeoutMs);
  if (!agent) {
    const base = u.buildConnector({ timeout: connectTimeoutMs });
    agent = new u.Agent({
      keepAliveTimeout: 4_000,
      connections: 256,
      connect:
        connectTo.size === 0
          ? base
          : (opts, cb) => {
              const port = opts.port || (opts.protocol === 'https:' ? '443' : '80');
              const to = connectTo.get(`${opts.hostname.toLowerCase()}:${port}`);
              base(
                to ? { ...opts, hostname: to.host, port: String(to.port), servername: opts.hostname } : opts,
                cb,
              );
            },
    });
    agents.set(connectTimeoutMs, agent);
  }
  return agent;
}

export async function sendRequest(req: ClientRequest): Promise<ClientResponse> {
  const dispatcher = await agentFor(req.connectTimeoutMs ?? 10_000);
  const res = await dispatcher.request({
    origin: req.url.origin,
    path: `${req.url.pathname}${req.url.search}`,
    method: req.method as Dispatcher.HttpMethod,
    headers: req.headers,
    body: req.body,
    signal: req.signal,
    headersTimeout: req.firstByteTimeoutMs,
    bodyTimeout: req.betweenBytesTimeoutMs,
  });
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.push([name, v]);
  }
  return { status: res.statusCode, headers, body: res.body };
}
