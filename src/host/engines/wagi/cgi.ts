// CGI for WAGI guests: the environment a request becomes (RFC 3875 plus WAGI's X_ variables), and the
// parsing of the header block a guest prints before its body.

import { WasmkubeError } from '../../../errors.ts';
import type { GuestRequest } from '../../core/engine.ts';
import { latin1 } from '../../core/latin1.ts';

/** Header names that become HTTP_ variables: letters, digits and dashes only (see cgiEnvironment). */
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
/** What would split or cut an entry of the NUL-joined preview1 environment (or a guest's line parser). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const BREAKS_ENTRY = /[\u0000\r\n]/;
/**
 * Request headers that never become variables: credentials (RFC 3875 4.1.18), `Proxy` (as HTTP_PROXY it
 * would set the guest's outbound proxy: "httpoxy"), and the two that CONTENT_TYPE/CONTENT_LENGTH carry.
 */
const NOT_PASSED = new Set([
  'authorization',
  'proxy-authorization',
  'proxy',
  'content-type',
  'content-length',
]);

/**
 * The environment of one request. Server-set variables (REMOTE_ADDR, PATH_INFO, SERVER_*, ...) always
 * win over the service's env, which wins over header-derived HTTP_ ones; a header name with anything but
 * letters, digits and dashes is not passed (so `X_Forwarded_For` cannot pose as `X-Forwarded-For`), nor
 * a value that could split an entry. A server-set value that could is refused: BAD_REQUEST.
 */
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
  let contentType = '';
  const fromHeaders: Record<string, string> = {};
  for (const [name, value] of req.headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-type' && !BREAKS_ENTRY.test(value)) contentType = value;
    if (NOT_PASSED.has(lower) || !HEADER_NAME.test(name) || BREAKS_ENTRY.test(value)) continue;
    const key = `HTTP_${name.toUpperCase().replaceAll('-', '_')}`;
    fromHeaders[key] = key in fromHeaders ? `${fromHeaders[key]}, ${value}` : value;
  }
  const server: Record<string, string> = {
    AUTH_TYPE: '',
    CONTENT_LENGTH: String(contentLength),
    CONTENT_TYPE: contentType,
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
  for (const [k, v] of Object.entries(server)) {
    if (BREAKS_ENTRY.test(v)) {
      throw new WasmkubeError('BAD_REQUEST', `the request would put a control character into ${k}`, {
        fix: 'send the path and query without encoded NUL, CR or LF',
      });
    }
  }
  const service: Record<string, string> = {};
  for (const [k, v] of Object.entries(serviceEnv))
    if (!BREAKS_ENTRY.test(k) && !k.includes('=') && !BREAKS_ENTRY.test(v)) service[k] = v;
  return Object.entries({ ...fromHeaders, ...service, ...server }).map(([k, v]) => `${k}=${v}`);
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

/**
 * Largest CGI header block relayed, as the host writes it (`name: value` CRLF per header). Node's client
 * (and most others) accept 16 KiB of response head; the host's own headers and status line take the rest.
 */
export const MAX_CGI_HEAD = 15 * 1024;

/** Splits a guest's stdout into status, headers and body; a string says what is wrong with it. */
export function parseCgiOutput(out: Uint8Array): CgiResponse | string {
  let end = -1;
  let bodyStart = -1;
  const scan = Math.min(out.length, MAX_CGI_HEAD + 1024);
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
    if (out.length > scan) return `its header block is longer than ${MAX_CGI_HEAD} bytes`;
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
  let size = 0;
  for (const [name, value] of headers) size += name.length + value.length + 4;
  if (size > MAX_CGI_HEAD) return `its header block is longer than ${MAX_CGI_HEAD} bytes`;
  if (status === 0) status = hasLocation ? 302 : 200;
  return { status, headers, body: out.subarray(bodyStart) };
}
