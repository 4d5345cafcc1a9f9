// `npm run bench`: every row of the host-performance targets (issue 3), each measured next to its
// baseline in the same run: prints the table, writes bench/results/latest.json (stable schema, see
// bench/lib/schema.ts), docs/benchmarks.md and docs/benchmarks.svg, then runs bench/oci.ts when present.
// Progress goes to stderr. BENCH_DURATION=2 for a fast try; the default run stays under ~6 minutes.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { guestPath } from '../test/helpers/guests.ts';
import { CONNECTIONS, DURATION_S, PROFILE, PROFILE_DIR, ROUNDS, WARMUP_S } from './lib/config.ts';
import { GENERATOR, WRK } from './lib/load.ts';
import { ociSection } from './lib/oci-section.ts';
import { log, ROOT } from './lib/proc.ts';
import { runsTable, targetTable, writeDocs } from './lib/report.ts';
import { type Results, SCHEMA_VERSION } from './lib/schema.ts';
import { densityRows } from './rows/density.ts';
import { fairnessRows } from './rows/fairness.ts';
import { startupRows } from './rows/startup.ts';
import { throughputRows } from './rows/throughput.ts';

const t0 = performance.now();
// Other work on the shared machine shows here; it is recorded with the results.
const loadStart = loadavg()[0]!;
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

log(
  `bench: ${DURATION_S} s per load run after ${WARMUP_S} s warm-up, ${CONNECTIONS} connections, load from ${WRK ? 'wrk' : 'autocannon (apt-get install wrk for microsecond percentiles)'}`,
);
if (PROFILE) log(`bench: BENCH_PROFILE=1: CPU profiles of the host go to ${PROFILE_DIR}`);
log('bench: building guests (cached)');
const [tiny, echo, js, wagi, spin] = await Promise.all([
  guestPath('hello-component'),
  guestPath('echo-component'),
  guestPath('js-component'),
  guestPath('wagi-hello'),
  guestPath('spin-component'),
]);

log('bench: load rows');
const { rows: loadRows, runs } = await throughputRows({ tiny, echo, js, wagi });
log(`bench: start-up rows (${elapsed()})`);
const startRows = await startupRows(tiny);
log(`bench: density rows (${elapsed()})`);
const denseRows = await densityRows(tiny, wagi);
log(`bench: fairness row (${elapsed()})`);
const fairRows = await fairnessRows(tiny, spin);
log(`bench: host rows done (${elapsed()})`);

// Issue order: reuse, WAGI, fresh, JS vs jco, echo, start-up, density, scaling.
const scaling = loadRows.filter((r) => r.id.startsWith('scaling-'));
const rows = [
  ...loadRows.filter((r) => !r.id.startsWith('scaling-')),
  ...startRows,
  ...denseRows,
  ...fairRows,
  ...scaling,
];

const oci = await ociSection();

const results: Results = {
  schema: SCHEMA_VERSION,
  machine: {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    generator: GENERATOR,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    connections: CONNECTIONS,
    rounds: ROUNDS,
    loadAvgStart: Math.round(loadStart * 100) / 100,
    loadAvgEnd: Math.round(loadavg()[0]! * 100) / 100,
  },
  rows,
  runs,
  oci,
};

process.stdout.write(`\n${targetTable(rows)}\n\n${runsTable(runs)}\n`);
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeDocs(results);
const missed = rows.filter((r) => !r.met).map((r) => r.id);
log(
  `bench: done in ${elapsed()}: ${rows.length - missed.length}/${rows.length} targets met${missed.length ? ` (not met: ${missed.join(', ')})` : ''}; wrote bench/results/latest.json, docs/benchmarks.md, docs/benchmarks.svg${PROFILE ? `; profiles in ${PROFILE_DIR}` : ''}`,
);
