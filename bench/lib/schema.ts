// The shape of bench/results/latest.json: one row per target of the host-performance issue, each with
// its target, measured value, the baseline measured in the same run, the ratio and whether it is met. A
// script compares two runs by row id. Bump SCHEMA_VERSION when a field changes meaning.

import type { LoadResult } from './load.ts';

export const SCHEMA_VERSION = 1;

export type Unit = 'req/s' | 'ms' | 'MiB' | 'count';

export interface Check {
  /** `value / baseline` (of: 'baseline') or `value` itself (of: 'absolute') compared with threshold. */
  readonly op: '>=' | '<=';
  readonly threshold: number;
  readonly of: 'baseline' | 'absolute';
}

export interface Row {
  /** Stable identifier, e.g. `tiny-reuse-rps`; never reused for another measurement. */
  readonly id: string;
  readonly what: string;
  /** The target as the issue words it. */
  readonly target: string;
  readonly check: Check;
  readonly value: number | null;
  readonly unit: Unit;
  /** The baseline measured in the same run (same unit), or null for absolute targets. */
  readonly baseline: number | null;
  readonly baselineWhat: string | null;
  /** A short name of the baseline, for the chart. */
  readonly baselineLabel: string | null;
  /**
   * value / baseline (for load rows: the median of the per-round ratios, see detail.roundRatios); for
   * absolute targets value / threshold (share of the limit).
   */
  readonly ratio: number | null;
  readonly met: boolean;
  /** `failed`: the measurement broke (reason says why); `not-measured`: it could not run here. */
  readonly status: 'measured' | 'failed' | 'not-measured';
  readonly reason?: string;
  readonly detail?: Readonly<Record<string, number | string | null>>;
}

/** One load run (a server under wrk/autocannon), as listed in the raw table. */
export interface Run extends LoadResult {
  readonly id: string;
  readonly what: string;
  /** 1-based round of the run (every load run is repeated ROUNDS times, interleaved). */
  readonly round: number;
  /** Milliseconds from spawn to the listening line. */
  readonly startMs: number;
}

export interface Results {
  readonly schema: number;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly rows: readonly Row[];
  readonly runs: readonly Run[];
  /** bench/oci.ts, run after the host rows: its markdown (or why there is none). */
  readonly oci: {
    readonly status: 'included' | 'skipped' | 'failed';
    readonly note: string;
    readonly markdown: string;
  } | null;
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

export interface RowSpec {
  readonly id: string;
  readonly what: string;
  readonly target: string;
  readonly check: Check;
  readonly unit: Unit;
  readonly baselineWhat?: string;
  readonly baselineLabel?: string;
}

/**
 * A measured row: computes ratio and met from the check. ratioOverride: the ratio when it is not
 * value / baseline (load rows pass the median of their per-round ratios).
 */
export function measured(
  spec: RowSpec,
  value: number,
  baseline: number | null,
  detail?: Row['detail'],
  ratioOverride?: number,
): Row {
  const { check } = spec;
  const plain = check.of === 'baseline' ? (baseline ? value / baseline : null) : value / check.threshold;
  const ratio = ratioOverride ?? plain;
  const compared = check.of === 'baseline' ? ratio : value;
  const met =
    compared !== null &&
    Number.isFinite(compared) &&
    (check.op === '>=' ? compared >= check.threshold : compared <= check.threshold);
  return {
    id: spec.id,
    what: spec.what,
    target: spec.target,
    check,
    value: round(value, spec.unit === 'req/s' || spec.unit === 'count' ? 0 : 3),
    unit: spec.unit,
    baseline: baseline === null ? null : round(baseline, spec.unit === 'req/s' ? 0 : 3),
    baselineWhat: spec.baselineWhat ?? null,
    baselineLabel: spec.baselineLabel ?? null,
    ratio: ratio === null ? null : round(ratio, 3),
    met,
    status: 'measured',
    ...(detail ? { detail } : {}),
  };
}

/** A row whose measurement broke or could not run: never met, with the reason. */
export function unmeasured(
  spec: RowSpec,
  status: 'failed' | 'not-measured',
  reason: string,
  detail?: Row['detail'],
): Row {
  return {
    id: spec.id,
    what: spec.what,
    target: spec.target,
    check: spec.check,
    value: null,
    unit: spec.unit,
    baseline: null,
    baselineWhat: spec.baselineWhat ?? null,
    baselineLabel: spec.baselineLabel ?? null,
    ratio: null,
    met: false,
    status,
    reason,
    ...(detail ? { detail } : {}),
  };
}
