import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { autoWorkers, cpusFromCfs, cpusFromCpuMax } from '../../src/host/supervisor/cpus.ts';

describe('workers: auto', () => {
  test('reads cgroup v2 cpu.max and v1 CFS quotas', () => {
    assert.equal(cpusFromCpuMax('max 100000\n'), undefined);
    assert.equal(cpusFromCpuMax('150000 100000\n'), 1.5);
    assert.equal(cpusFromCpuMax('50000 100000'), 0.5);
    assert.equal(cpusFromCfs('-1\n', '100000\n'), undefined);
    assert.equal(cpusFromCfs('200000\n', '100000\n'), 2);
  });

  test('a CPU limit caps the threads, rounded up; no limit means one per core', () => {
    assert.equal(autoWorkers(undefined, 64), 64);
    assert.equal(autoWorkers(1.5, 64), 2);
    assert.equal(autoWorkers(0.2, 64), 1);
    assert.equal(autoWorkers(8, 2), 2);
  });
});
