// Settings shared by the property tests: a fixed seed (a failure is replayable: the report prints the
// seed and path) and a bounded number of runs; `npm run fuzz` raises FUZZ_RUNS for a deeper search.

import type { Parameters } from 'fast-check';

export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
export const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

/** fast-check parameters: the fixed seed and RUNS times `scale` runs (at least one). */
export function params<T>(scale = 1): Parameters<T> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(RUNS * scale)) };
}
