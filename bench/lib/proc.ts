// Server processes for the bench: spawn one, wait (bounded) until it says where it listens, stop it
// (SIGTERM, then SIGKILL of its whole process group), plus small HTTP helpers for probes and latency.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Node 24 (type stripping, JSPI): the bench's own node when `npm run bench` runs it with the pinned
 * node@24, else the pinned one. bin/wasmkube.js on 24 runs the host in-process, so the spawned pid is the
 * host's pid (for /proc/PID/status).
 */
export const NODE24: string =
  Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : join(ROOT, 'node_modules/.bin/node');

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export interface Server {
  readonly url: string;
  readonly proc: ChildProcess;
  /** Milliseconds from spawn until the ready line. */
  readonly readyMs: number;
  /** Everything it wrote, for failure messages (last 4 KiB). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly cmd?: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Matches the ready line on stdout or stderr; group 1 (when present) is the URL. */
  readonly ready?: RegExp;
  /** URL when the ready line does not carry one (jco serve prints host:port). */
  readonly urlFrom?: (m: RegExpExecArray) => string;
  readonly timeoutMs?: number;
}

/** wasmkube's and the baseline servers' ready line: `{"msg":"listening","url":"http://…"}`. */
export const LISTENING = /"msg":"listening"[^\n]*"url":"([^"]+)"/;

export function startServer(opts: StartOptions): Promise<Server> {
  const t0 = performance.now();
  // Its own process group, so stop() also reaches anything it spawned (jco serve).
  const proc = spawn(opts.cmd ?? NODE24, opts.args, {
    cwd: ROOT,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(proc);
  let text = '';
  let exited = false;
  const exit = new Promise<void>((r) =>
    proc.once('exit', () => {
      exited = true;
      live.delete(proc);
      r();
    }),
  );
  const output = () => text.slice(-4096);
  const stop = async () => {
    if (exited) return;
    signalGroup(proc, 'SIGTERM');
    const killer = setTimeout(() => signalGroup(proc, 'SIGKILL'), 5000);
    await exit;
    clearTimeout(killer);
    // Anything left in the group (a grandchild) goes too.
    signalGroup(proc, 'SIGKILL');
  };
  const ready = opts.ready ?? LISTENING;
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void stop().then(() =>
        reject(new Error(`no ready line within ${opts.timeoutMs ?? 60000} ms; output: ${oneLine(output())}`)),
      );
    }, opts.timeoutMs ?? 60000);
    const onData = (d: Buffer) => {
      text += d;
      if (text.length > 1 << 20) text = text.slice(-65536);
      if (done) return;
      const m = ready.exec(text);
      if (!m) return;
      done = true;
      clearTimeout(timer);
      resolve({
        url: opts.urlFrom ? opts.urlFrom(m) : m[1]!,
        proc,
        readyMs: performance.now() - t0,
        output,
        stop,
      });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('error', (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    });
    proc.once('exit', (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`exited with ${signal ?? code} before listening: ${oneLine(output())}`));
    });
  });
}

/** Servers still running: killed if the bench itself is interrupted, so none outlives it. */
const live = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const p of live) signalGroup(p, 'SIGKILL');
    process.exit(130);
  });
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // Already gone.
  }
}

export const oneLine = (s: string, max = 400): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
};

/** A free TCP port on 127.0.0.1 (for servers that want --port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface HttpResult {
  readonly status: number;
  readonly body: Buffer;
  readonly ms: number;
}

/** One request, bounded by timeoutMs; rejects on socket errors and timeouts. */
export function request(
  url: string,
  opts: { method?: string; body?: Buffer; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        agent: opts.agent ?? false,
        headers: opts.body ? { 'content-length': opts.body.length } : undefined,
        timeout: opts.timeoutMs ?? 10000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - t0 }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 10000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Throws a readable error unless the server answers `path` with 200 (and `expect` when given). */
export async function probe(url: string, opts: { method?: string; body?: Buffer; expect?: Buffer } = {}) {
  const r = await request(url, { ...opts, timeoutMs: 15000 });
  if (r.status !== 200) throw new Error(`probe ${url} got ${r.status}: ${oneLine(r.body.toString(), 200)}`);
  if (opts.expect && !r.body.equals(opts.expect)) {
    throw new Error(`probe ${url} got ${r.body.length} bytes, not the ${opts.expect.length} sent`);
  }
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** VmRSS of a process in MiB, or undefined when /proc is not there. */
export async function rssMiB(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const exists = (rel: string): boolean => existsSync(join(ROOT, rel));
