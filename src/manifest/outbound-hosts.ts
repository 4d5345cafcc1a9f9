// The origins a guest may call (`allowedOutboundHosts`), in Spin's forms: `scheme://host[:port]` where
// the scheme, the host (or its leftmost labels) and the port may be `*`; nothing else, no paths.

import { WasmkubeError } from '../errors.ts';
import { isHost } from './units.ts';

const ORIGIN_RE = /^([A-Za-z*][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:]*)(?::([^/]*))?(\/?)$/;

/** One allowed origin, parsed: `scheme`/`host` lower-cased, `*` where any is allowed. */
export interface OutboundPattern {
  /** `http`, `https` or `*`. */
  readonly scheme: string;
  /** A host name or IP literal (IPv6 without brackets), `*`, or `*.suffix` (any subdomain of suffix). */
  readonly host: string;
  /** Allowed ports, inclusive; `undefined` means the scheme's default port (80 or 443). */
  readonly ports: readonly [number, number] | undefined;
  /** The entry as written, without a trailing slash. */
  readonly text: string;
}

const FIX = 'write scheme://host[:port], e.g. https://api.example.com, http://payments or *://*:*';

/**
 * Checks an allowed outbound host and returns it parsed.
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, when it is not one of Spin's origin forms.
 * @see https://spinframework.dev/v3/http-outbound#granting-http-permissions-to-components
 */
export function parseOutboundPattern(value: string): OutboundPattern {
  const match = ORIGIN_RE.exec(value);
  if (match === null) {
    const hint = /^[A-Za-z*][A-Za-z0-9+.-]*:\/\/[^/]+\/./.test(value) ? ': remove the path' : '';
    throw new WasmkubeError('BAD_ARGUMENT', `'${value}' is not scheme://host[:port]${hint}`, { fix: FIX });
  }
  const [, rawScheme, rawHost, port] = match;
  const scheme = rawScheme!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https' && scheme !== '*') {
    throw new WasmkubeError(
      'BAD_ARGUMENT',
      `'${value}' uses scheme '${rawScheme}'; only http, https and * are supported`,
      { fix: FIX },
    );
  }
  const host = rawHost!.toLowerCase();
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const named = bare.startsWith('*.') ? bare.slice(2) : bare;
  if (bare !== '*' && (!isHost(named) || (named.includes(':') && !host.startsWith('[')))) {
    throw new WasmkubeError('BAD_ARGUMENT', `'${value}' has a bad host '${rawHost}'`, {
      fix: `${FIX}; a wildcard host is * or *.example.com`,
    });
  }
  let ports: [number, number] | undefined;
  if (port === '*') ports = [1, 65535];
  else if (port !== undefined) {
    const range = /^(\d{1,5})(?:\.\.(\d{1,5}))?$/.exec(port);
    const lo = Number(range?.[1]);
    const hi = Number(range?.[2] ?? range?.[1]);
    if (!range || lo < 1 || hi > 65535 || lo > hi) {
      throw new WasmkubeError('BAD_ARGUMENT', `'${value}' has a bad port '${port}'`, {
        fix: 'use a port from 1 to 65535, a range such as 8000..8999, or *',
      });
    }
    ports = [lo, hi];
  } else if (scheme === '*') {
    throw new WasmkubeError('BAD_ARGUMENT', `'${value}' has a * scheme but no port`, {
      fix: `give the port too, e.g. *://${rawHost}:* or *://${rawHost}:8080`,
    });
  }
  return { scheme, host: bare, ports, text: value.replace(/\/$/, '') };
}

/**
 * Checks an allowed outbound host and returns it without a trailing slash.
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, when it is not one of Spin's origin forms.
 */
export function parseOutboundHost(value: string): string {
  return parseOutboundPattern(value).text;
}
