// CGI for WAGI guests: the environment a request becomes (RFC 3875 plus WAGI's X_ variables), and the
// parsing of the header block a guest prints before its body.

import type { GuestRequest } from '../engine.ts';
import { latin1 } from '../latin1.ts';

export function cgiEnvironment(
  req: GuestRequest,
  serviceEnv: Readonly<Record<string, string>>,
  contentLength: number,
): string[] {
  const q = req.pathWithQuery.indexOf('?');
  const path = q === -1 ? req.pathWithQuery : req.pathWithQuery.slice(0, q);
  const query = q === -1 ? '' : req.pathWithQuery.slice(q + 1);
  const prefix = req.routePrefix === '/' ? '' : req.routePrefix;
  const pathInfo = path.startsWith(prefix) ? path.slice(prefix.length) : path;
  const [serverName, serverPort = req.scheme === 'https' ? '443' : '80'] = req.authority.split(':');
  const vars: Record<string, string> = {
    ...serviceEnv,
    AUTH_TYPE: '',
    CONTENT_LENGTH: String(contentLength),
    CONTENT_TYPE: '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    PATH_INFO: safeDecode(pathInfo),
    PATH_TRANSLATED: safeDecode(pathInfo),
    QUERY_STRING: query,
    REMOTE_ADDR: req.remoteAddress,
    REMOTE_HOST: req.remoteAddress,
    REMOTE_USER: '',
    REQUEST_METHOD: req.method,
    SCRIPT_NAME: prefix,
    SERVER_NAME: serverName ?? '',
    SERVER_PORT: serverPort,
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: 'wasmkube',
    X_FULL_URL: `${req.scheme}://${req.authority}${req.pathWithQuery}`,
    X_MATCHED_ROUTE: req.routePrefix,
    X_RAW_PATH_INFO: pathInfo,
    X_REQUEST_ID: req.requestId,
  };
  for (const [name, value] of req.headers) {
    if (name === 'content-type') vars.CONTENT_TYPE = value;
    // Credentials never reach the guest's environment as HTTP_ variables (RFC 3875 4.1.18).
    if (name === 'authorization' || name === 'proxy-authorization') continue;
    const key = `HTTP_${name.toUpperCase().replaceAll('-', '_')}`;
    vars[key] = key in vars ? `${vars[key]}, ${value}` : value;
  }
  return Object.entries(vars).map(([k, v]) => `${k}=${v}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface CgiResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** RFC 9110 5.5: a field value is visible characters, obs-text, spaces and tabs. */
export function hasControlChar(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return true;
  }
  return false;
}

/** Splits a guest's stdout into status, headers and body; a string says what is wrong with it. */
export function parseCgiOutput(out: Uint8Array): CgiResponse | string {
  let end = -1;
  let bodyStart = -1;
  const scan = Math.min(out.length, 64 * 1024);
  for (let i = 0; i < scan; i++) {
    if (out[i] !== 10) continue;
    if (out[i + 1] === 10) {
      end = i;
      bodyStart = i + 2;
      break;
    }
    if (out[i + 1] === 13 && out[i + 2] === 10) {
      end = i;
      bodyStart = i + 3;
      break;
    }
  }
  if (end === -1) {
    return out.length === 0
      ? 'it printed nothing'
      : 'it printed no header block (e.g. "Content-Type: text/plain", then an empty line, then the body)';
  }
  const head = latin1(out, end);
  let status = 0;
  let hasLocation = false;
  const headers: [string, string][] = [];
  for (const raw of head.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `header line ${JSON.stringify(line.slice(0, 80))} has no name`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // What Node would refuse to send (and answer with an error of its own) is refused here, by name.
    if (!TOKEN.test(name)) return `header name ${JSON.stringify(name.slice(0, 80))} is not an HTTP token`;
    if (hasControlChar(value)) return `header ${name} has a control character in its value`;
    if (name === 'status') {
      status = Number.parseInt(value, 10);
      if (!(status >= 200 && status <= 599)) return `Status: ${value} is not a status from 200 to 599`;
      continue;
    }
    if (name === 'location') hasLocation = true;
    headers.push([name, value]);
  }
  if (status === 0) status = hasLocation ? 302 : 200;
  return { status, headers, body: out.subarray(bodyStart) };
}
