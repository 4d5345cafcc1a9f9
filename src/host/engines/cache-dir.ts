// Where wasmkube keeps derived files (transpiled components): $WASMKUBE_CACHE_DIR, else the XDG cache
// folder. Entries are keyed by content digest, so they never go stale and can be shared by processes.

import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(...parts: string[]): string {
  const base =
    process.env.WASMKUBE_CACHE_DIR ??
    (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'wasmkube') : undefined) ??
    (homedir() ? join(homedir(), '.cache', 'wasmkube') : join(tmpdir(), 'wasmkube-cache'));
  return join(base, ...parts);
}
