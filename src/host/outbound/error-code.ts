// wasi:http's `error-code` variant for every way an outbound call fails, so the guest gets the failure
// as a value (a componentize-js guest's fetch() rejects) instead of a trap.
// @see https://github.com/WebAssembly/wasi-http/blob/main/wit/types.wit (variant error-code)

/** A case of wasi:http/types.error-code as jco's glue lifts it: `{ tag, val }`. */
export type ErrorCode = { readonly tag: string; readonly val?: unknown };

/** An outbound call that failed, with the code the guest gets. */
export class OutboundError extends Error {
  readonly errorCode: ErrorCode;
  constructor(errorCode: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errorCode = errorCode;
  }
}

export const DENIED: ErrorCode = { tag: 'HTTP-request-denied' };
export const URI_INVALID: ErrorCode = { tag: 'HTTP-request-URI-invalid' };

/** The error code for what Node, the DNS resolver or undici threw. */
export function errorCodeOf(err: unknown): ErrorCode {
  if (err instanceof OutboundError) return err.errorCode;
  const e = err as { code?: unknown; name?: string; message?: string; cause?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return { tag: 'DNS-error', val: { rcode: 'NXDOMAIN', infoCode: undefined } };
    case 'EAI_AGAIN':
      return { tag: 'DNS-timeout' };
    case 'ECONNREFUSED':
      return { tag: 'connection-refused' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { tag: 'connection-terminated' };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { tag: 'connection-timeout' };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { tag: 'HTTP-response-timeout' };
    case 'UND_ERR_BODY_TIMEOUT':
      return { tag: 'connection-read-timeout' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { tag: 'destination-unavailable' };
    case 'UND_ERR_HEADERS_OVERFLOW':
      return { tag: 'HTTP-response-header-size', val: undefined };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
    case 'HPE_INVALID_CONSTANT':
    case 'UND_ERR_INFO':
      return { tag: 'HTTP-protocol-error' };
    case 'UND_ERR_INVALID_ARG':
      return { tag: 'HTTP-request-URI-invalid' };
  }
  if (code.startsWith('HPE_')) return { tag: 'HTTP-protocol-error' };
  if (code.startsWith('ERR_TLS_') || code.startsWith('CERT_') || code.includes('CERT'))
    return { tag: 'TLS-certificate-error' };
  if (code.startsWith('ERR_SSL_')) return { tag: 'TLS-protocol-error' };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError' || code === 'UND_ERR_ABORTED')
    return { tag: 'HTTP-response-timeout' };
  if (e?.cause !== undefined && e.cause !== err) return errorCodeOf(e.cause);
  return { tag: 'internal-error', val: e?.message ?? String(err) };
}

/** A short label for metrics and logs: the HTTP status, or the error code's tag. */
export function statusLabel(result: number | ErrorCode): string {
  return typeof result === 'number' ? String(result) : result.tag;
}
