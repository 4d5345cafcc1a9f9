// allowedOutboundHosts at run time: which origin a guest's request goes to, and whether the list lets
// it. Checks the origin the host will really connect to, so IP literals, other ports and schemes,
// userinfo and a Host header that names another authority cannot slip past the list.

import { type OutboundPattern, parseOutboundPattern } from '../../manifest/outbound-hosts.ts';

/** Where an outgoing request goes, as the host will connect: the URL's origin, normalised. */
export interface OutboundTarget {
  readonly scheme: 'http' | 'https';
  /** Lower-cased host name or IP literal (IPv6 without brackets), as WHATWG URL normalises it. */
  readonly host: string;
  readonly port: number;
  /** `scheme://host:port`: the label in metrics and logs. */
  readonly origin: string;
  /** The URL to send to (authority plus path and query). */
  readonly url: URL;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const DEFAULT_PORT = { http: 80, https: 443 } as const;
/** Spin's name for an app's own services: `http://payments.spin.internal` is `http://payments`. */
const SPIN_INTERNAL = '.spin.internal';

export type TargetResult =
  | { readonly ok: true; readonly target: OutboundTarget }
  | { readonly ok: false; readonly reason: string };

/** Builds the target from wasi:http's parts; refuses what is not a plain origin plus a path. */
export function outboundTarget(
  scheme: string | undefined,
  authority: string | undefined,
  pathWithQuery: string | undefined,
): TargetResult {
  const s = (scheme ?? 'https').toLowerCase();
  if (s !== 'http' && s !== 'https') return { ok: false, reason: `scheme '${s}' is not http or https` };
  if (!authority) return { ok: false, reason: 'the request has no authority' };
  // Userinfo would be the host's to strip, and hides the real host from a reader of the URL: refused.
  if (/[@/\\?#\s]/.test(authority))
    return { ok: false, reason: `authority '${authority}' is not host[:port]` };
  const path = pathWithQuery ?? '/';
  if (path !== '' && !path.startsWith('/'))
    return { ok: false, reason: `path '${path}' does not start with /` };
  let url: URL;
  try {
    url = new URL(`${s}://${authority}${path || '/'}`);
  } catch {
    return { ok: false, reason: `'${s}://${authority}' is not a valid URL` };
  }
  if (url.username || url.password) return { ok: false, reason: 'userinfo in the URL is refused' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : DEFAULT_PORT[s];
  return { ok: true, target: { scheme: s, host, port, origin: `${s}://${url.host || host}`, url } };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.endsWith(SPIN_INTERNAL) ? pattern.slice(0, -SPIN_INTERNAL.length) : pattern;
  const h = host.endsWith(SPIN_INTERNAL) ? host.slice(0, -SPIN_INTERNAL.length) : host;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return p === h;
}

function matches(p: OutboundPattern, t: OutboundTarget): boolean {
  if (p.scheme !== '*' && p.scheme !== t.scheme) return false;
  if (!hostMatches(p.host, t.host)) return false;
  const [lo, hi] = p.ports ?? [DEFAULT_PORT[t.scheme], DEFAULT_PORT[t.scheme]];
  return t.port >= lo && t.port <= hi;
}

/** A service's allowedOutboundHosts, parsed once. */
export class OutboundPolicy {
  readonly #patterns: readonly OutboundPattern[];

  constructor(allowed: readonly string[]) {
    this.#patterns = allowed.map(parseOutboundPattern);
  }

  get allowsAny(): boolean {
    return this.#patterns.length > 0;
  }

  /**
   * Whether the service may send this request. `hostHeader` is the Host header the guest set, if any:
   * it must name the same authority (a server behind the allowed one would route by it).
   */
  check(target: OutboundTarget, hostHeader?: string): Verdict {
    if (hostHeader !== undefined) {
      const given = hostHeader.trim().toLowerCase();
      const same = given === target.url.host || given === `${target.url.host}:${target.port}`;
      if (!same) {
        return {
          ok: false,
          reason: `Host header '${hostHeader}' differs from the authority ${target.url.host}`,
        };
      }
    }
    if (this.#patterns.length === 0) {
      return { ok: false, reason: 'the service has no allowedOutboundHosts (no outbound calls allowed)' };
    }
    if (this.#patterns.some((p) => matches(p, target))) return { ok: true };
    return { ok: false, reason: `${target.origin} is not in allowedOutboundHosts` };
  }
}
