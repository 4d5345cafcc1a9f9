// `npm run bench:build`: build times of every `wasmkube new` template — cold (empty caches), cached
// (a fresh checkout: no stamps, the content cache warm) and up to date (stamps match) — and the
// Spin-style Hono guest's req/s (fresh instance per request) next to the same app with reuse.
// Writes bench/results/devloop-build.json and prints a table. BENCH_DURATION=2 for a fast try.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices } from '../src/app/build-services.ts';
import { loadManifest } from '../src/manifest/index.ts';
import { initApp } from '../src/scaffold/init.ts';
import { newService } from '../src/scaffold/new-service.ts';
import { TEMPLATES } from '../src/scaffold/templates.ts';
import { CONNECTIONS, DURATION_S, WARMUP_S } from './lib/config.ts';
import { upDir } from './lib/host.ts';
import { GENERATOR, load } from './lib/load.ts';
import { log, ROOT, startServer } from './lib/proc.ts';

const loadStart = loadavg()[0]!;

async function timeBuild(dir: string): Promise<number> {
  const { app } = await loadManifest(dir);
  const t = performance.now();
  const results = await buildServices(app, { concurrency: 1 });
  if (results.length !== 1) throw new Error(`expected one service in ${dir}`);
  return performance.now() - t;
}

const builds: { template: string; coldMs: number; cachedMs: number; upToDateMs: number }[] = [];
// A cache folder of its own: "cold" means nothing built or transpiled before.
const cache = await mkdtemp(join(tmpdir(), 'wasmkube-bench-cache-'));
process.env.WASMKUBE_CACHE_DIR = cache;
try {
  for (const t of TEMPLATES) {
    const dir = join(await mkdtemp(join(tmpdir(), 'wasmkube-bench-new-')), 'app');
    await initApp(dir);
    await newService(t.name, 'svc', { app: dir });
    const coldMs = await timeBuild(dir);
    await rm(join(dir, '.wasmkube', 'build'), { recursive: true, force: true });
    await rm(join(dir, 'svc', 'dist'), { recursive: true, force: true });
    const cachedMs = await timeBuild(dir);
    const upToDateMs = await timeBuild(dir);
    builds.push({ template: t.name, coldMs, cachedMs, upToDateMs });
    log(
      `bench: ${t.name}: cold ${(coldMs / 1000).toFixed(1)} s, cached ${cachedMs.toFixed(0)} ms, up to date ${upToDateMs.toFixed(0)} ms`,
    );
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  delete process.env.WASMKUBE_CACHE_DIR;
  await rm(cache, { recursive: true, force: true });
}

// The Spin-style guests, built once (content cache) and served by one thread.
const spinDir = join(ROOT, 'guests/spin');
await buildServices((await loadManifest(spinDir)).app, { concurrency: 2 });
const server = await startServer({ args: upDir(spinDir, 1) });
const spin: {
  route: string;
  build: string;
  isolation: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}[] = [];
try {
  for (const [route, build, isolation] of [
    ['/hono', 'spin (fetch event)', 'fresh (detected)'],
    ['/hono-reuse', 'js (incomingHandler)', 'reuse'],
  ] as const) {
    await load({ url: `${server.url}${route}`, durationS: WARMUP_S, connections: CONNECTIONS });
    const r = await load({ url: `${server.url}${route}`, durationS: DURATION_S, connections: CONNECTIONS });
    spin.push({ route, build, isolation, rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors });
    log(`bench: ${route}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, ${r.errors} errors`);
  }
} finally {
  await server.stop();
}

const results = {
  machine: {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    loadBefore: loadStart,
    loadAfter: loadavg()[0]!,
  },
  load: { generator: GENERATOR, durationS: DURATION_S, connections: CONNECTIONS, workers: 1 },
  builds,
  spin,
};
await writeFile(join(ROOT, 'bench/results/devloop-build.json'), `${JSON.stringify(results, null, 2)}\n`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write(
  `| template | cold build | cached (no stamps) | up to date |\n|---|---|---|---|\n${builds
    .map((b) => `| ${b.template} | ${s(b.coldMs)} | ${s(b.cachedMs)} | ${s(b.upToDateMs)} |`)
    .join(
      '\n',
    )}\n\n| Hono guest | isolation | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n${spin
    .map((r) => `| ${r.build} | ${r.isolation} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} |`)
    .join('\n')}\n`,
);
