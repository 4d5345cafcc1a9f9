// The "## OCI images" section: when bench/oci.ts exists (image sizes, push and pull times; written with
// the OCI work), run it as a child process after the host rows and keep its markdown (stdout). Absent,
// failing or too slow, the section says so instead; it never fails the host bench.

import { spawn } from 'node:child_process';
import { OCI_TIMEOUT_S } from './config.ts';
import { exists, log, NODE24, oneLine, ROOT } from './proc.ts';

export interface OciSection {
  readonly status: 'included' | 'skipped' | 'failed';
  /** The markdown from bench/oci.ts, or a sentence saying why there is none. */
  readonly markdown: string;
  readonly note: string;
}

export async function ociSection(): Promise<OciSection> {
  if (!exists('bench/oci.ts')) {
    const note = 'bench/oci.ts is not in this checkout yet: OCI rows skipped';
    log(`bench: ${note}`);
    return { status: 'skipped', markdown: `_${note}._`, note };
  }
  log(`bench: OCI images (bench/oci.ts, at most ${OCI_TIMEOUT_S} s)`);
  const t0 = performance.now();
  const { code, signal, stdout, stderr, timedOut } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
  }>((resolve) => {
    // Its own process group: a timeout also stops the registry it starts.
    const p = spawn(NODE24, ['bench/oci.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    let timedOut = false;
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
      process.stderr.write(d);
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-p.pid!, signal);
      } catch {
        // gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 5000).unref();
    }, OCI_TIMEOUT_S * 1000);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout: out, stderr: `${err}${e.message}`, timedOut });
    });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err, timedOut });
    });
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (code === 0 && stdout.trim() !== '') {
    log(`bench: OCI images done in ${secs} s`);
    return { status: 'included', markdown: stdout.trim(), note: `bench/oci.ts ran in ${secs} s` };
  }
  const why = timedOut
    ? `timed out after ${OCI_TIMEOUT_S} s`
    : `exited with ${signal ?? code}${stdout.trim() === '' ? ', no output' : ''}`;
  const note = `bench/oci.ts ${why}: ${oneLine(stderr, 300)}`;
  log(`bench: ${note}`);
  return { status: 'failed', markdown: `_Not measured: ${note.replace(/_/g, '\\_')}_`, note };
}
