// The one error catalog of wasmkube: every failure a user can see has a stable code, a message
// that says what went wrong and where, and a fix. The CLI maps codes to exit codes.

export type ErrorCode =
  | 'MANIFEST_NOT_FOUND'
  | 'MANIFEST_PARSE'
  | 'MANIFEST_INVALID'
  | 'WASM_NOT_FOUND'
  | 'WASM_INVALID'
  | 'WASM_UNSUPPORTED'
  | 'WASM_INSTRUMENT'
  | 'BUILD_FAILED'
  | 'LISTEN_FAILED'
  | 'BAD_ARGUMENT'
  | 'GUEST_TRAP'
  | 'GUEST_DEADLINE'
  | 'GUEST_MEMORY'
  | 'GUEST_RESPONSE'
  | 'BODY_TOO_LARGE'
  | 'CLIENT_CLOSED'
  | 'BAD_REQUEST'
  | 'URI_TOO_LONG'
  | 'SERVICE_UNAVAILABLE'
  | 'OCI_REFERENCE'
  | 'OCI_AUTH'
  | 'OCI_NOT_FOUND'
  | 'OCI_NETWORK'
  | 'OCI_REGISTRY'
  | 'OCI_DIGEST'
  | 'OCI_UNSUPPORTED'
  | 'K8S_INVALID'
  | 'K8S_UNREACHABLE'
  | 'K8S_API'
  | 'K8S_ROLLOUT'
  | 'INTERNAL';

/** Exit code and HTTP status per code; the CLI and the host read these, nothing else decides them. */
const CATALOG: Record<ErrorCode, { exit: number; status: number }> = {
  MANIFEST_NOT_FOUND: { exit: 66, status: 500 },
  MANIFEST_PARSE: { exit: 65, status: 500 },
  MANIFEST_INVALID: { exit: 65, status: 500 },
  WASM_NOT_FOUND: { exit: 66, status: 500 },
  WASM_INVALID: { exit: 65, status: 500 },
  WASM_UNSUPPORTED: { exit: 65, status: 500 },
  WASM_INSTRUMENT: { exit: 70, status: 500 },
  BUILD_FAILED: { exit: 70, status: 500 },
  LISTEN_FAILED: { exit: 69, status: 500 },
  BAD_ARGUMENT: { exit: 64, status: 400 },
  GUEST_TRAP: { exit: 70, status: 500 },
  GUEST_DEADLINE: { exit: 70, status: 504 },
  GUEST_MEMORY: { exit: 70, status: 500 },
  GUEST_RESPONSE: { exit: 70, status: 502 },
  BODY_TOO_LARGE: { exit: 70, status: 413 },
  // nginx's 499: nobody is left to read it, but logs and metrics say what happened.
  CLIENT_CLOSED: { exit: 70, status: 499 },
  // A request the host refuses before any routing (malformed target, NUL in the path).
  BAD_REQUEST: { exit: 64, status: 400 },
  URI_TOO_LONG: { exit: 64, status: 414 },
  SERVICE_UNAVAILABLE: { exit: 69, status: 503 },
  // Registry failures: 77 (EX_NOPERM) for auth, as sysexits has it; 502 when a host pulling at run time fails.
  OCI_REFERENCE: { exit: 64, status: 400 },
  OCI_AUTH: { exit: 77, status: 502 },
  OCI_NOT_FOUND: { exit: 66, status: 502 },
  OCI_NETWORK: { exit: 69, status: 502 },
  OCI_REGISTRY: { exit: 69, status: 502 },
  OCI_DIGEST: { exit: 65, status: 502 },
  OCI_UNSUPPORTED: { exit: 65, status: 502 },
  // A rendered object breaks its schema: bad settings in the manifest, like MANIFEST_INVALID.
  K8S_INVALID: { exit: 65, status: 500 },
  // No kubeconfig, context or API server: EX_UNAVAILABLE.
  K8S_UNREACHABLE: { exit: 69, status: 503 },
  // The API server refused a request (RBAC, admission, conflicts).
  K8S_API: { exit: 70, status: 502 },
  // Applied, but workloads did not become ready in time: EX_TEMPFAIL, worth retrying.
  K8S_ROLLOUT: { exit: 75, status: 504 },
  INTERNAL: { exit: 70, status: 500 },
};

export interface WasmkubeErrorOptions {
  readonly cause?: unknown;
  /** What the user should do about it, printed under the message by the CLI. */
  readonly fix?: string;
}

export class WasmkubeError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | undefined;

  constructor(code: ErrorCode, message: string, options: WasmkubeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WasmkubeError';
    this.code = code;
    this.fix = options.fix;
  }

  get exitCode(): number {
    return CATALOG[this.code].exit;
  }

  get status(): number {
    return CATALOG[this.code].status;
  }
}

export function isWasmkubeError(err: unknown): err is WasmkubeError {
  return err instanceof WasmkubeError;
}
