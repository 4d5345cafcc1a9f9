// The request target as every part of the host sees it: parsed once (origin-form and absolute-form,
// RFC 9112 3.2), percent-decoded once, dot segments resolved, control characters refused.

/** A target the host routes on; `pathWithQuery` is what guests receive. */
export interface RequestTarget {
  /** Canonical path: decoded once, dot segments resolved, re-encoded where a character needs it. */
  readonly path: string;
  /** The query as sent (without `?`), or '' when there is none; checked, never decoded here. */
  readonly query: string;
  readonly pathWithQuery: string;
  /** From an absolute-form target (`GET http://host/path`), which wins over the Host header. */
  readonly authority?: string;
}

/** Characters a path segment may carry unencoded (RFC 3986 pchar, without pct-encoded). */
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;
/** A percent-encoded control character (C0 or DEL). */
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;
/** Anything but visible ASCII in the raw target. */
const RAW_INVALID = /[^\x21-\x7e]/;

/**
 * Parses what follows the method on the request line. A string says why the target is refused (400):
 * a malformed target, a control character (raw or percent-encoded, NUL included), or an escape that is
 * not UTF-8.
 */
export function parseRequestTarget(raw: string): RequestTarget | string {
  const plain = plainTarget(raw);
  if (plain !== undefined) return plain;
  if (raw.length === 0) return 'the request target is empty';
  if (RAW_INVALID.test(raw)) return 'the request target has a space, control or non-ASCII character';
  let rest = raw;
  let authority: string | undefined;
  if (!raw.startsWith('/')) {
    // absolute-form: the authority comes from the target and the Host header is ignored (RFC 9112 3.2.2).
    const m = /^(https?):\/\/([^/?#]*)/i.exec(raw);
    if (!m) return 'the request target must start with / (origin-form) or http:// (absolute-form)';
    authority = m[2]!;
    if (authority === '' || authority.includes('@'))
      return 'an absolute-form target needs a host and no user information';
    rest = raw.slice(m[0].length);
    if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
    if (!rest.startsWith('/')) return 'the request target is malformed';
  }
  if (rest.includes('#')) return 'the request target has a fragment (#)';
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  if (ENCODED_CONTROL.test(query)) return 'the query has an encoded control character (such as %00)';
  const path = canonicalPath(rawPath);
  if (typeof path !== 'string') return path.error;
  return {
    path,
    query,
    pathWithQuery: q === -1 ? path : `${path}?${query}`,
    ...(authority === undefined ? {} : { authority }),
  };
}

/** pchar and `/`, by char code: what an origin-form path may hold and still be canonical as sent. */
const PLAIN = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/")
  PLAIN[ch.charCodeAt(0)] = 1;

/**
 * The hot path: an origin-form target whose path has nothing to decode, resolve or encode, and whose
 * query has no escape, is returned as it is, after one pass over its characters.
 */
function plainTarget(raw: string): RequestTarget | undefined {
  if (raw.charCodeAt(0) !== 47) return undefined;
  const n = raw.length;
  let q = n;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === 63) {
      q = i;
      break;
    }
    // `/.` may start a dot segment: the slow path decides.
    if (c >= 128 || PLAIN[c] === 0 || (c === 46 && prev === 47)) return undefined;
    prev = c;
  }
  let escaped = false;
  for (let i = q + 1; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 35) return undefined;
    if (c === 37) escaped = true;
  }
  if (q === n) return { path: raw, query: '', pathWithQuery: raw };
  const query = raw.slice(q + 1);
  if (escaped && ENCODED_CONTROL.test(query)) return undefined;
  return { path: raw.slice(0, q), query, pathWithQuery: raw };
}

function canonicalPath(raw: string): string | { error: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { error: 'the path has a malformed percent escape or one that is not UTF-8' };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u001f\u007f]/.test(decoded))
    return { error: 'the path has a control character (such as %00)' };
  // Decoded once, then split: an encoded slash is a slash, so `..%2f` is a dot segment like `../`.
  const out: string[] = [];
  const segments = decoded.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..' && out.length > 0) out.pop();
      // `/a/b/..` is `/a/` (RFC 3986 5.2.4): a dot segment at the end leaves a trailing slash.
      if (last) out.push('');
      continue;
    }
    out.push(encodeSegment(s));
  }
  return `/${out.join('/')}`;
}

function encodeSegment(s: string): string {
  let out = '';
  for (const ch of s) {
    if (PCHAR.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
