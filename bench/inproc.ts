// In-process micro-benchmark of the host core: app.handle() on a synthetic request, no sockets, to see
// what the host itself costs per request (node:http excluded). `node bench/inproc.ts FILE.wasm [N]`.

import { resolve } from 'node:path';
import { HostApp } from '../src/host/core/app.ts';
import { loadEngine } from '../src/host/engines/load.ts';
import { createLogger } from '../src/host/observability/logger.ts';
import { createMetrics } from '../src/host/observability/metrics.ts';
import { appManifestForSingleModule } from '../src/manifest/index.ts';

const file = resolve(process.argv[2]!);
const n = Number(process.argv[3] ?? 200000);
const manifest = appManifestForSingleModule(file, undefined);
const logger = createLogger({ format: 'json', level: 'silent' });
const metrics = createMetrics(() => [], false);
// ISOLATION=fresh measures a fresh component instance per request.
const isolation = (process.env.ISOLATION ?? manifest.services[0]!.isolation) as 'reuse' | 'fresh' | 'auto';
const service = { ...manifest.services[0]!, isolation };
const engine = await loadEngine(service, { instanceCreated() {}, guestLog() {} });
const app = new HostApp({ engines: [engine], logger, metrics });
const req = {
  method: 'GET',
  pathWithQuery: '/',
  headers: [
    ['host', '127.0.0.1'],
    ['user-agent', 'bench'],
  ] as [string, string][],
  body: null,
  contentLength: undefined,
  remoteAddress: '127.0.0.1',
  scheme: 'http' as const,
  authority: '127.0.0.1',
  requestId: 'r-1',
};
async function once(): Promise<void> {
  const res = await app.handle(req);
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  res.body.takeBuffered();
}
for (let i = 0; i < 20000; i++) await once();
const t = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < n; i++) await once();
const cpu = process.cpuUsage(cpu0);
const us = ((performance.now() - t) * 1000) / n;
const cpuUs = (cpu.user + cpu.system) / n;
// CPU time (all threads, GC included) is steadier than wall time on a shared machine.
console.log(`${us.toFixed(2)} µs wall, ${cpuUs.toFixed(2)} µs CPU per request in process (${n} requests)`);
