// `wasmkube up [APP] | --from FILE.wasm`: builds what is missing, serves the whole app locally, and
// shuts down gracefully on SIGTERM/SIGINT (a second signal exits at once).

import { resolve } from 'node:path';
import { buildServices } from '../../app/build-services.ts';
import { WasmkubeError } from '../../errors.ts';
import { startHost } from '../../host/host.ts';
import type { LogFormat, LogLevel } from '../../host/logger.ts';
// Not the manifest index: `up --from` should not load the schema (zod, yaml) at start; see below.
import { appManifestForSingleModule } from '../../manifest/single-module.ts';
import type { AppManifest } from '../../manifest/types.ts';
import { parseDuration, parseListen } from '../../manifest/units.ts';
import { printError, progress } from '../output.ts';

export interface UpFlags {
  readonly from?: string;
  readonly listen?: string;
  readonly workers?: string;
  readonly keepGoing?: boolean;
  /** Share the port with another wasmkube process (a rolling restart on one machine). */
  readonly reusePort?: boolean;
  readonly build?: boolean;
  readonly drainDelay?: string;
  readonly gracePeriod?: string;
  readonly logFormat?: string;
  readonly logLevel?: string;
  /** Serve only these services (a container image holds the whole app; each Deployment picks one). */
  readonly service?: readonly string[];
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export async function up(app: string | undefined, flags: UpFlags): Promise<void> {
  if (app && flags.from) {
    throw new WasmkubeError('BAD_ARGUMENT', `give either an app (${app}) or --from ${flags.from}, not both`, {
      fix: 'run `wasmkube up APP` for a manifest, or `wasmkube up --from service.wasm` for one module',
    });
  }
  const format = (flags.logFormat ?? 'json') as LogFormat;
  if (format !== 'json' && format !== 'pretty') {
    throw new WasmkubeError('BAD_ARGUMENT', `--log-format ${flags.logFormat} is not a log format`, {
      fix: 'use --log-format json or --log-format pretty',
    });
  }
  const level = (flags.logLevel ?? 'info') as LogLevel;
  if (!LEVELS.includes(level)) {
    throw new WasmkubeError('BAD_ARGUMENT', `--log-level ${flags.logLevel} is not a log level`, {
      fix: `use one of ${LEVELS.join(', ')}`,
    });
  }
  let workers: number | 'auto' | undefined;
  if (flags.workers !== undefined) {
    workers = flags.workers === 'auto' ? 'auto' : Number(flags.workers);
    if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 1 && workers <= 256)) {
      throw new WasmkubeError('BAD_ARGUMENT', `--workers ${flags.workers} is not a worker count`, {
        fix: 'use --workers auto or a number from 1 to 256',
      });
    }
  }
  const listen = flags.listen === undefined ? undefined : parseListen(flags.listen, '--listen');
  // oci:// apps, components and sources are pulled (verified, cached by digest) into local paths first.
  const oci = () => import('../../oci/index.ts');
  const target =
    app?.startsWith('oci://') || flags.from?.startsWith('oci://')
      ? await (await oci()).resolveUpTarget(app, flags.from)
      : { app, from: flags.from };
  // An app image's manifest comes back already checked: no build steps, sources inside its folder.
  const parsed =
    'manifest' in target && target.manifest
      ? target.manifest
      : target.from
        ? appManifestForSingleModule(resolve(target.from), flags.listen)
        : (await (await import('../../manifest/load.ts')).loadManifest(target.app ?? '.')).app;
  const loaded = parsed.services.some((s) => s.source.kind === 'oci')
    ? await (await oci()).resolveOciSources(parsed)
    : parsed;
  const shutdown = {
    drainDelayMs:
      flags.drainDelay === undefined
        ? loaded.host.shutdown.drainDelayMs
        : parseDuration(flags.drainDelay, '--drain-delay'),
    gracePeriodMs:
      flags.gracePeriod === undefined
        ? loaded.host.shutdown.gracePeriodMs
        : parseDuration(flags.gracePeriod, '--grace-period'),
  };
  const manifest = { ...selectServices(loaded, flags.service), host: { ...loaded.host, shutdown } };
  await buildServices(manifest, { force: flags.build, onProgress: progress });

  const host = await startHost({
    manifest,
    listen,
    workers,
    keepGoing: flags.keepGoing,
    reusePort: flags.reusePort,
    log: { format, level },
  });
  const routes = manifest.services
    .filter((s) => !host.failed.includes(s.name))
    .map(
      (s) =>
        `${s.name} → ${s.routes.map((r) => `${host.url}${r.prefix === '/' ? '/' : r.prefix}`).join(', ')}`,
    );
  // One machine-readable line on stdout (tests and scripts wait for it), a summary for people on stderr.
  process.stdout.write(
    `${JSON.stringify({ level: 'info', msg: 'listening', url: host.url, workers: host.workers })}\n`,
  );
  progress(`serving ${manifest.name} on ${host.url} with ${host.workers} worker(s)`);
  for (const r of routes) progress(`  ${r}`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      progress(`${signal} again: exiting now`);
      process.exit(130);
    }
    progress(
      `${signal}: draining (ready=503 for ${manifest.host.shutdown.drainDelayMs} ms, then up to ${manifest.host.shutdown.gracePeriodMs} ms for in-flight requests)`,
    );
    host.stop().then(
      ({ unfinished }) => {
        if (unfinished > 0)
          progress(
            `${unfinished} request(s) were still running at the end of the grace period and were stopped`,
          );
        process.exit(unfinished > 0 ? 1 : 0);
      },
      (err: unknown) => process.exit(printError(err)),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function selectServices(app: AppManifest, names: readonly string[] | undefined): AppManifest {
  if (!names || names.length === 0) return app;
  const known = new Set(app.services.map((s) => s.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new WasmkubeError(
      'BAD_ARGUMENT',
      `--service ${unknown.join(', ')}: no such service in ${app.name}`,
      {
        fix: `use one of ${[...known].join(', ')}`,
      },
    );
  }
  return { ...app, services: app.services.filter((s) => names.includes(s.name)) };
}
