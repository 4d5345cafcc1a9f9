// Knobs of a bench run, from the environment. BENCH_DURATION=2 gives a fast run for trying things; the
// defaults keep a full `npm run bench` under ~6 minutes on the 2-core machine.

import { tmpdir } from 'node:os';
import { join } from 'node:path';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive number`);
  return n;
};

/** Seconds of measured load per load run (after the warm-up). */
export const DURATION_S = num('BENCH_DURATION', 5);
/** Seconds of warm-up load before each measured run (not counted). */
export const WARMUP_S = num('BENCH_WARMUP', 1);
/**
 * Rounds of the load runs: each server runs once per round, next to its baseline, and the rows report
 * medians over rounds, so one round disturbed by other load on the shared machine does not decide a row.
 */
export const ROUNDS = num('BENCH_ROUNDS', DURATION_S < 5 ? 1 : 3);
export const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
/** Starts per cold-start measurement (cold and warm each); the median is reported. */
export const START_RUNS = num('BENCH_START_RUNS', DURATION_S < 5 ? 3 : 5);
/** Services in the density row. */
export const DENSITY_SERVICES = num('BENCH_SERVICES', 1000);
/** Bound on the density row's start-up (spawn to listening), seconds. */
export const DENSITY_START_TIMEOUT_S = num('BENCH_DENSITY_TIMEOUT', 120);
/** Bound on bench/oci.ts, seconds. */
export const OCI_TIMEOUT_S = num('BENCH_OCI_TIMEOUT', 120);
/** Size of the POST echo body. */
export const ECHO_BYTES = 64 * 1024;
/**
 * BENCH_PROFILE=1: run every `wasmkube up` under `node --cpu-prof` (one worker serves on the main thread,
 * so its profile shows the request path), one folder per server and round under PROFILE_DIR.
 */
export const PROFILE = process.env.BENCH_PROFILE === '1';
export const PROFILE_DIR = join(
  tmpdir(),
  `wasmkube-bench-profiles-${new Date().toISOString().replace(/[:.]/g, '-')}`,
);
