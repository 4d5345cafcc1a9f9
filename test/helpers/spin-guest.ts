// Builds guests/spin-js/fetch-event.js the way Spin's JS SDK does (spin-guest-child.ts), once: cached by
// the source's and the builder's content under the test guests' build cache.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUEST_CACHE_DIR } from './guests.ts';

const SOURCE = fileURLToPath(new URL('../../guests/spin-js/fetch-event.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./spin-guest-child.ts', import.meta.url));
const PKG = fileURLToPath(
  new URL('../../node_modules/@spinframework/build-tools/package.json', import.meta.url),
);

export async function spinGuestPath(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of [SOURCE, CHILD, PKG]) hash.update(await readFile(f));
  const out = join(GUEST_CACHE_DIR, `spin-${hash.digest('hex')}.wasm`);
  if (
    await stat(out).then(
      () => true,
      () => false,
    )
  )
    return out;
  await mkdir(GUEST_CACHE_DIR, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, SOURCE, tmp], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`spin guest build failed (${code}): ${err}`)),
    );
  });
  await rename(tmp, out);
  return out;
}
