// Answers a registry's `WWW-Authenticate` challenge: Basic sends the stored credentials, Bearer trades
// them (or nothing, for anonymous pulls) for a token at the realm the registry names, per scope.

import { WasmkubeError } from '../errors.ts';
import type { Credentials } from './credentials.ts';

export interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Readonly<Record<string, string>>;
}

/** `Bearer realm="…",service="…",scope="…"` → its scheme and parameters. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

export interface TokenOptions {
  /** The registry itself is plain HTTP: then an http:// realm is accepted too. @default false */
  readonly insecure?: boolean;
  /** Told when credentials go to a token service on another host than the registry. */
  readonly onWarning?: (message: string) => void;
}

/** Registries whose token service lives on a known other host. */
const KNOWN_REALMS: Readonly<Record<string, string>> = { 'registry-1.docker.io': 'auth.docker.io' };

/**
 * Fetches a Bearer token for the scopes from the challenge's realm. The realm must be https:// unless
 * the registry is plain HTTP (credentials would otherwise cross the network in the clear), and a realm
 * on another host than the registry is reported through `onWarning` before credentials go there.
 * @throws WasmkubeError OCI_AUTH when the realm is unusable or the token service refuses
 */
export async function fetchToken(
  registry: string,
  challenge: Challenge,
  scopes: readonly string[],
  credentials: Credentials | undefined,
  fetchImpl: typeof fetch,
  opts: TokenOptions = {},
): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) {
    throw new WasmkubeError(
      'OCI_AUTH',
      `${registry} asked for a Bearer token without saying where (no realm)`,
      {
        fix: 'check the registry URL; this registry does not follow the distribution spec auth flow',
      },
    );
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch (cause) {
    throw new WasmkubeError('OCI_AUTH', `${registry} named a token realm that is not a URL: ${realm}`, {
      cause,
      fix: "check the registry's token auth settings (realm must be an https:// URL)",
    });
  }
  if (url.protocol !== 'https:' && !(opts.insecure && url.protocol === 'http:')) {
    throw new WasmkubeError(
      'OCI_AUTH',
      `${registry} asked for its token at ${url.origin}, which is not https://; wasmkube sends no credentials or token requests there`,
      {
        fix: `the registry's token realm must be https:// (an http:// realm is accepted only for a plain-HTTP registry: --insecure or WASMKUBE_INSECURE_REGISTRIES=${registry})`,
      },
    );
  }
  if (credentials && url.host !== registry && KNOWN_REALMS[registry] !== url.host) {
    opts.onWarning?.(
      `${registry} sends credentials of user ${credentials.username} to a token service on another host, ${url.origin}; check that you trust it`,
    );
  }
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  const res = await fetchImpl(url, {
    headers: credentials ? { authorization: basicHeader(credentials) } : {},
  });
  if (!res.ok) {
    throw new WasmkubeError(
      'OCI_AUTH',
      `${registry}: the token service ${url.origin} refused ${credentials ? `user ${credentials.username}` : 'anonymous access'} (HTTP ${res.status})`,
      {
        fix: `log in with \`podman login ${registry}\` (wasmkube reads the same config.json), or check the user's rights`,
      },
    );
  }
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new WasmkubeError('OCI_AUTH', `${registry}: the token service returned no token`, {});
  return token;
}
