// Runs the real `wasmkube` CLI as a child process on 127.0.0.1 for tests: waits for its listening line,
// collects its JSON log lines, and stops it with a signal.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'bin', 'wasmkube.js');

export interface LogLine {
  readonly [key: string]: unknown;
  readonly msg?: string;
}

export interface UpProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly logs: LogLine[];
  readonly stderr: () => string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `wasmkube up ARGS --listen 127.0.0.1:0` and resolves when it serves. Unless `manifestShutdown`,
 * the drain delay is cut to 50 ms so that stopping does not wait for Kubernetes endpoints; with it, the
 * host runs as in a pod (KUBERNETES_SERVICE_HOST set), where the manifest's drain delay applies.
 */
export function startUp(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; manifestShutdown?: boolean } = {},
): Promise<UpProcess> {
  const extra = [
    ...(args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0']),
    ...(opts.manifestShutdown || args.includes('--drain-delay') ? [] : ['--drain-delay', '50ms']),
  ];
  const proc = spawn(process.execPath, [CLI, 'up', ...args, ...extra], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...(opts.manifestShutdown ? { KUBERNETES_SERVICE_HOST: '10.96.0.1' } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let err = '';
  let out = '';
  const watchers: (() => void)[] = [];
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  proc.stdout!.on('data', (d) => {
    out += d;
    let nl = out.indexOf('\n');
    while (nl !== -1) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
      for (const w of watchers) w();
      nl = out.indexOf('\n');
    }
  });
  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 60_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const hit = logs.find(pred);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
          return true;
        }
        return false;
      };
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; stderr:\n${err}\nlogs:\n${JSON.stringify(logs)}`,
            ),
          ),
        timeoutMs,
      );
      if (!check()) {
        watchers.push(check);
        void exited.then(() => {
          if (!check()) {
            clearTimeout(timer);
            reject(new Error(`wasmkube exited; stderr:\n${err}`));
          }
        });
      }
    });
  return waitForLog((l) => l.msg === 'listening').then((line) => ({
    url: String(line.url),
    proc,
    logs,
    stderr: () => err,
    exited,
    waitForLog,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  }));
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => {
      stdout += d;
    });
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh folder with a wasmkube.yaml (and whatever else the test writes there). */
export async function appDir(manifest: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-test-'));
  await writeFile(join(dir, 'wasmkube.yaml'), manifest);
  return dir;
}
