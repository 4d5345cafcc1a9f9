// A real OCI registry for tests: Debian's `docker-registry serve` on 127.0.0.1 with a free port and its
// storage in a temp folder, with no auth or behind htpasswd Basic auth; stop() kills it and removes it all.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** The storage folder (blobs under docker/registry/v2/blobs/sha256/…). */
  readonly storage: string;
  readonly user?: { readonly username: string; readonly password: string };
  /** Path of a blob's data file in the storage, to corrupt it on purpose. */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

export function registryAvailable(): boolean {
  try {
    execFileSync('docker-registry', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startRegistry(opts: { auth?: boolean } = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-registry-'));
  const storage = join(dir, 'storage');
  const user = opts.auth ? { username: 'wasmkube', password: `pw-${process.pid}` } : undefined;
  let authYaml = '';
  if (user) {
    const line = execFileSync('htpasswd', ['-Bbn', user.username, user.password], { encoding: 'utf8' });
    await writeFile(join(dir, 'htpasswd'), `${line.trim()}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: wasmkube-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  let lastErr = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${authYaml}`,
    );
    const proc = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<void>((r) => proc.on('exit', () => r()));
    if (await ready(`http://127.0.0.1:${port}/v2/`, proc)) {
      const host = `127.0.0.1:${port}`;
      return {
        host,
        storage,
        ...(user ? { user } : {}),
        blobFile: (digest) =>
          join(storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'),
        stop: async () => {
          proc.kill('SIGTERM');
          await exited;
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    lastErr = stderr;
    proc.kill('SIGKILL');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`docker-registry did not start: ${lastErr}`);
}

async function ready(url: string, proc: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) return false;
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A DOCKER_CONFIG folder holding credentials for the registry, as `auth` or as username/password. */
export async function dockerConfig(
  host: string,
  user: { username: string; password: string },
  style: 'auth' | 'plain' = 'auth',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-docker-config-'));
  const entry =
    style === 'auth'
      ? { auth: Buffer.from(`${user.username}:${user.password}`).toString('base64') }
      : { username: user.username, password: user.password };
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: entry } }));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
