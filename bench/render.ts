// Re-renders docs/benchmarks.md and docs/benchmarks.svg from bench/results/latest.json without measuring
// (after editing bench/notes.md or the report code): `node bench/render.ts`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './lib/proc.ts';
import { writeDocs } from './lib/report.ts';
import { type Results, SCHEMA_VERSION } from './lib/schema.ts';

const results = JSON.parse(await readFile(join(ROOT, 'bench/results/latest.json'), 'utf8')) as Results;
if (results.schema !== SCHEMA_VERSION) {
  process.stderr.write(
    `bench/results/latest.json has schema ${results.schema}, this code writes ${SCHEMA_VERSION}: run npm run bench\n`,
  );
  process.exit(1);
}
await writeDocs(results);
process.stderr.write('wrote docs/benchmarks.md and docs/benchmarks.svg from bench/results/latest.json\n');
