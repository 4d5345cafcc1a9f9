// Parsers for the units people write in wasmkube.yaml and on the command line: sizes (64Mi),
// durations (10s) and listen addresses (127.0.0.1:8080). The manifest and the CLI share them.

import { WasmkubeError } from '../errors.ts';

/** A listen address as Node's `server.listen({ host, port })` wants it (IPv6 without brackets). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The host used when a listen address names only a port: loopback, so `wasmkube up` is not exposed by default. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  K: 1e3,
  KB: 1e3,
  M: 1e6,
  MB: 1e6,
  G: 1e9,
  GB: 1e9,
  Ki: 2 ** 10,
  KiB: 2 ** 10,
  Mi: 2 ** 20,
  MiB: 2 ** 20,
  Gi: 2 ** 30,
  GiB: 2 ** 30,
};

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Source of the pattern a size string must match; the JSON Schema reuses it for editors. */
export const SIZE_PATTERN = '^(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:Ki|Mi|Gi|KiB|MiB|GiB|K|M|G|KB|MB|GB)?$';
/** Source of the pattern a duration string must match; the JSON Schema reuses it for editors. */
export const DURATION_PATTERN = '^(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:ms|s|m|h)?$';

const SIZE_RE = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/;
const DURATION_RE = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/;

function bad(field: string | undefined, what: string, fix: string): WasmkubeError {
  return new WasmkubeError('BAD_ARGUMENT', field === undefined ? what : `${field}: ${what}`, { fix });
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * Parses a byte size: a non-negative integer number of bytes, or a string with a decimal (K, M, G, KB,
 * MB, GB) or binary (Ki, Mi, Gi, KiB, MiB, GiB) suffix. Fractions are allowed when a suffix makes them
 * whole-ish (`1.5Gi`); the result is rounded to whole bytes.
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, when `value` is not a size.
 */
export function parseSize(value: string | number, field?: string): number {
  const fix = 'use a size such as 64Mi, 512Ki, 1Gi or a number of bytes';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw bad(field, `${show(value)} is not a size: a bare number must be a whole number of bytes`, fix);
    }
    return value;
  }
  const match = SIZE_RE.exec(value.trim());
  if (match === null) throw bad(field, `${show(value)} is not a size`, fix);
  const [, amount, unit] = match;
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) {
    const hint =
      SIZE_UNITS[unit.charAt(0).toUpperCase() + unit.slice(1)] === undefined
        ? ''
        : ' (units are case-sensitive)';
    throw bad(field, `${show(value)} has an unknown size unit '${unit}'${hint}`, fix);
  }
  if (unit === '' && amount.includes('.')) {
    throw bad(field, `${show(value)} is not a size: a bare number must be a whole number of bytes`, fix);
  }
  const bytes = Math.round(Number(amount) * factor);
  if (!Number.isSafeInteger(bytes)) throw bad(field, `${show(value)} is too large`, fix);
  return bytes;
}

/**
 * Parses a duration into milliseconds: a non-negative integer number of milliseconds, or a string such as
 * `500ms`, `10s`, `2m`, `1h` (a bare number string is milliseconds too). The result is rounded to whole ms.
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, when `value` is not a duration.
 */
export function parseDuration(value: string | number, field?: string): number {
  const fix = 'use a duration such as 500ms, 10s, 2m or 1h (a bare number means milliseconds)';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw bad(field, `${show(value)} is not a duration: a bare number must be whole milliseconds`, fix);
    }
    return value;
  }
  const match = DURATION_RE.exec(value.trim());
  if (match === null) throw bad(field, `${show(value)} is not a duration`, fix);
  const [, amount, unit] = match;
  const factor = DURATION_UNITS[unit];
  if (factor === undefined) throw bad(field, `${show(value)} has an unknown duration unit '${unit}'`, fix);
  if (unit === '' && amount.includes('.')) {
    throw bad(field, `${show(value)} is not a duration: a bare number must be whole milliseconds`, fix);
  }
  const ms = Math.round(Number(amount) * factor);
  if (!Number.isSafeInteger(ms)) throw bad(field, `${show(value)} is too long`, fix);
  return ms;
}

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+(?:%[\w.-]+)?$/;

/** Whether `host` is a hostname, an IPv4 address or (without brackets) an IPv6 address. */
export function isHost(host: string): boolean {
  return HOSTNAME_RE.test(host) || (host.includes(':') && IPV6_RE.test(host));
}

/**
 * Parses a listen address: `host:port`, `[ipv6]:port`, `:port` (all interfaces, as in Go and Node) or a
 * bare `port` (on {@link DEFAULT_LISTEN_HOST}). Port 0 asks the OS for a free port, which tests use.
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, when `value` is not a listen address.
 */
export function parseListen(value: string | number, field?: string): ListenAddress {
  const fix = "use host:port (127.0.0.1:8080), ':port' for all interfaces, or a port number";
  const text = String(value).trim();
  let host = DEFAULT_LISTEN_HOST;
  let portText = text;
  if (text.startsWith('[')) {
    const end = text.indexOf(']:');
    if (end < 0) throw bad(field, `${show(value)} is not a listen address: expected [ipv6]:port`, fix);
    host = text.slice(1, end);
    portText = text.slice(end + 2);
  } else if (text.includes(':')) {
    const colon = text.lastIndexOf(':');
    host = colon === 0 ? '0.0.0.0' : text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) {
      throw bad(
        field,
        `${show(value)} is not a listen address: write IPv6 hosts in brackets`,
        `${fix}; IPv6: [::1]:8080`,
      );
    }
  }
  if (!isHost(host)) throw bad(field, `${show(value)} is not a listen address: bad host '${host}'`, fix);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw bad(
      field,
      `${show(value)} is not a listen address: the port must be a number from 0 to 65535`,
      fix,
    );
  }
  return { host, port: Number(portText) };
}
