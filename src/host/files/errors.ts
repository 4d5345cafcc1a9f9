// Filesystem errors a guest sees, by wasi:filesystem's error-code names, with the preview1 errno of
// each; host errors (Node's `code` strings) map onto them, and anything unknown becomes `io`.

/** wasi:filesystem/types error-code (the names preview1's errnos share). */
export type FsCode =
  | 'access'
  | 'would-block'
  | 'already'
  | 'bad-descriptor'
  | 'busy'
  | 'exist'
  | 'file-too-large'
  | 'illegal-byte-sequence'
  | 'invalid'
  | 'io'
  | 'is-directory'
  | 'loop'
  | 'too-many-links'
  | 'name-too-long'
  | 'no-entry'
  | 'insufficient-memory'
  | 'insufficient-space'
  | 'not-directory'
  | 'not-empty'
  | 'unsupported'
  | 'no-tty'
  | 'overflow'
  | 'not-permitted'
  | 'pipe'
  | 'read-only'
  | 'invalid-seek'
  | 'text-file-busy'
  | 'cross-device'
  | 'quota';

/** A refused or failed filesystem call: the guest gets `code`, never a trap. */
export class FsError extends Error {
  readonly code: FsCode;
  constructor(code: FsCode, message?: string) {
    super(message ?? code);
    this.code = code;
  }
}

const FROM_NODE: Readonly<Record<string, FsCode>> = {
  EACCES: 'access',
  EAGAIN: 'would-block',
  EALREADY: 'already',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  EEXIST: 'exist',
  EFBIG: 'file-too-large',
  EILSEQ: 'illegal-byte-sequence',
  EINVAL: 'invalid',
  EIO: 'io',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMLINK: 'too-many-links',
  ENAMETOOLONG: 'name-too-long',
  ENOENT: 'no-entry',
  ENOMEM: 'insufficient-memory',
  ENOSPC: 'insufficient-space',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTSUP: 'unsupported',
  EOPNOTSUPP: 'unsupported',
  ENOTTY: 'no-tty',
  EOVERFLOW: 'overflow',
  EPERM: 'not-permitted',
  EPIPE: 'pipe',
  EROFS: 'read-only',
  ESPIPE: 'invalid-seek',
  ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
  EDQUOT: 'quota',
};

/** The guest-facing error for anything a host fs call threw. */
export function toFsError(err: unknown): FsError {
  if (err instanceof FsError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new FsError((code && FROM_NODE[code]) || 'io', String(err));
}

/** preview1 errnos (wasi_snapshot_preview1 `errno`), by error-code name. */
export const ERRNO: Readonly<Record<FsCode, number>> = {
  access: 2,
  'would-block': 6,
  already: 7,
  'bad-descriptor': 8,
  busy: 10,
  exist: 20,
  'file-too-large': 22,
  'illegal-byte-sequence': 25,
  invalid: 28,
  io: 29,
  'is-directory': 31,
  loop: 32,
  'too-many-links': 34,
  'name-too-long': 37,
  'no-entry': 44,
  'insufficient-memory': 48,
  'insufficient-space': 51,
  'not-directory': 54,
  'not-empty': 55,
  unsupported: 58,
  'no-tty': 59,
  overflow: 61,
  'not-permitted': 63,
  pipe: 64,
  'read-only': 69,
  'invalid-seek': 70,
  'text-file-busy': 74,
  'cross-device': 75,
  quota: 19,
};
