// The origins a guest may call (`allowedOutboundHosts`): `scheme://host[:port]`, nothing more, so the
// host can check an outgoing request by comparing origins.

import { WasmkubeError } from '../errors.ts';
import { isHost } from './units.ts';

const ORIGIN_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:]*)(?::([^/]*))?(\/?)$/;

/**
 * Checks an allowed outbound host and returns it without a trailing slash.
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, when it is not `http(s)://host[:port]`.
 */
export function parseOutboundHost(value: string): string {
  const fix = 'write scheme://host[:port], e.g. https://api.example.com or http://payments:8080';
  const match = ORIGIN_RE.exec(value);
  if (match === null) {
    const hint = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]+\/./.test(value) ? ': remove the path' : '';
    throw new WasmkubeError('BAD_ARGUMENT', `'${value}' is not scheme://host[:port]${hint}`, { fix });
  }
  const [, scheme, host, port] = match;
  if (scheme !== 'http' && scheme !== 'https') {
    throw new WasmkubeError(
      'BAD_ARGUMENT',
      `'${value}' uses scheme '${scheme}'; only http and https are supported`,
      {
        fix,
      },
    );
  }
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (!isHost(bare) || (bare.includes(':') && !host.startsWith('['))) {
    throw new WasmkubeError('BAD_ARGUMENT', `'${value}' has a bad host '${host}'`, { fix });
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw new WasmkubeError('BAD_ARGUMENT', `'${value}' has a bad port '${port}'`, {
      fix: 'use a port from 1 to 65535',
    });
  }
  return value.replace(/\/$/, '');
}
