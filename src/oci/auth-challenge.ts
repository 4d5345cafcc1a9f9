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

/**
 * Fetches a Bearer token for the scopes from the challenge's realm.
 * @throws WasmkubeError OCI_AUTH when the token service refuses
 */
export async function fetchToken(
  registry: string,
  challenge: Challenge,
  scopes: readonly string[],
  credentials: Credentials | undefined,
  fetchImpl: typeof fetch,
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
  const url = new URL(realm);
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
