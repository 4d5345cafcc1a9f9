// How many serving threads `workers: auto` means: one per CPU the process may use, which in a container
// is its CPU limit (cgroup quota), not the node's core count.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** CPUs from a cgroup v2 `cpu.max` line ("max 100000" or "150000 100000"); undefined when unlimited. */
export function cpusFromCpuMax(line: string): number | undefined {
  const [quota, period] = line.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return undefined;
  const q = Number(quota);
  const p = Number(period ?? 100000);
  return q > 0 && p > 0 ? q / p : undefined;
}

/** CPUs from cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`; undefined when unlimited (-1). */
export function cpusFromCfs(quota: string, period: string): number | undefined {
  const q = Number(quota.trim());
  const p = Number(period.trim());
  return q > 0 && p > 0 ? q / p : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The cgroup CPU limit of this process in CPUs (fractional), if it has one. */
export function cgroupCpuLimit(): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== undefined) return cpusFromCpuMax(v2);
  const quota = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us');
  const period = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us');
  return quota !== undefined && period !== undefined ? cpusFromCfs(quota, period) : undefined;
}

/**
 * Threads for `workers: auto`: the cores Node may run on, capped by the CPU limit rounded up (a pod
 * limited to 1.5 CPUs gets 2 threads, not one per core of a 64-core node).
 */
export function autoWorkers(limit = cgroupCpuLimit(), cores = availableParallelism()): number {
  return Math.max(1, limit === undefined ? cores : Math.min(cores, Math.ceil(limit)));
}
