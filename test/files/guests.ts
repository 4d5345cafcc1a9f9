// Builds the file tests' guests from source (guests/c/wagi-files.c with clang, guests/rust/wagi-sleep.rs
// with Debian's rustc) into a cache folder keyed by the source's hash, so reruns skip the compiler.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GUEST_CACHE_DIR } from '../helpers/guests.ts';
import { ROOT } from '../helpers/host.ts';

const run = promisify(execFile);

async function cached(source: string, ext: string, build: (out: string) => Promise<unknown>) {
  const hash = createHash('sha256')
    .update(await readFile(join(ROOT, source)))
    .digest('hex')
    .slice(0, 16);
  const dir = join(GUEST_CACHE_DIR, 'files-tests');
  const out = join(dir, `${hash}${ext}`);
  if (existsSync(out)) return out;
  await mkdir(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await build(tmp);
  await rename(tmp, out);
  return out;
}

export function cFilesGuest(): Promise<string> {
  return cached('guests/c/wagi-files.c', '.wasm', (out) =>
    run('clang', [
      '--target=wasm32-wasi',
      '-O2',
      '-Wl,--strip-all',
      join(ROOT, 'guests/c/wagi-files.c'),
      '-o',
      out,
    ]),
  );
}

export function rustSleepGuest(): Promise<string> {
  return cached('guests/rust/wagi-sleep.rs', '.wasm', (out) =>
    run('/usr/bin/rustc', [
      '--target',
      'wasm32-wasi',
      '-O',
      '-C',
      'strip=symbols',
      join(ROOT, 'guests/rust/wagi-sleep.rs'),
      '-o',
      out,
    ]),
  );
}

/** Debian's Go with wasip1 (golang-1.23-go, from bookworm-backports on bookworm; scripts/test-deps.sh). */
export const GO = process.env.WASMKUBE_GO ?? '/usr/lib/go-1.23/bin/go';

export function goGuest(): Promise<string> {
  return cached('guests/go/wagi-go.go', '.wasm', async (out) => {
    const tmp = join(GUEST_CACHE_DIR, 'go-build');
    await run(GO, ['build', '-o', out, join(ROOT, 'guests/go/wagi-go.go')], {
      cwd: ROOT,
      env: {
        ...process.env,
        GOOS: 'wasip1',
        GOARCH: 'wasm',
        GOCACHE: join(tmp, 'cache'),
        GOPATH: join(tmp, 'path'),
        // Offline: never fetch a toolchain or a module.
        GOTOOLCHAIN: 'local',
        GOPROXY: 'off',
        GOFLAGS: '-buildvcs=false',
      },
    });
  });
}
