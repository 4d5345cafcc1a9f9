// `wasmkube up [APP] | --from FILE.wasm`: builds what is missing, serves the whole app locally, and
// shuts down gracefully on SIGTERM/SIGINT (a second signal exits at once).

import { dirname, resolve } from 'node:path';
import { buildServices } from '../../app/build-services.ts';
import type { WatchEvent } from '../../dev/watch.ts';
import { WasmkubeError } from '../../errors.ts';
import type { LogFormat, LogLevel } from '../../host/observability/logger.ts';
import { startHost } from '../../host/supervisor/host.ts';
// Not the manifest index: `up --from` should not load the schema (zod, yaml) at start; see below.
import { appManifestForSingleModule } from '../../manifest/single-module.ts';
import type { AppManifest, Isolation } from '../../manifest/types.ts';
import { parseDuration, parseListen } from '../../manifest/units.ts';
import { plainProgress } from '../build-progress.ts';
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
  /** With --from: the module's isolation (an app sets it per service in wasmkube.yaml). */
  readonly isolation?: string;
  /** Serve only these services (a container image holds the whole app; each Deployment picks one). */
  readonly service?: readonly string[];
  /** Rebuild and swap in a service when its `build.watch` files change. */
  readonly watch?: boolean;
  /** Accepted for `up oci://` on a plain-HTTP registry (loopback ones are plain HTTP anyway). */
  readonly insecure?: boolean;
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
  if (flags.isolation !== undefined) {
    if (!flags.from) {
      throw new WasmkubeError('BAD_ARGUMENT', '--isolation applies to --from only', {
        fix: 'set services.NAME.isolation in wasmkube.yaml for an app',
      });
    }
    if (!['auto', 'reuse', 'fresh'].includes(flags.isolation)) {
      throw new WasmkubeError('BAD_ARGUMENT', `--isolation ${flags.isolation} is not an isolation mode`, {
        fix: 'use --isolation auto, reuse or fresh',
      });
    }
  }
  const listen = flags.listen === undefined ? undefined : parseListen(flags.listen, '--listen');
  // oci:// apps, components and sources are pulled (verified, cached by digest) into local paths first.
  const oci = () => import('../../oci/index.ts');
  const target =
    app?.startsWith('oci://') || flags.from?.startsWith('oci://')
      ? await (await oci()).resolveUpTarget(app, flags.from, flags.insecure ? { insecure: true } : {})
      : { app, from: flags.from };
  // An app image's manifest comes back already checked: no build steps, sources inside its folder.
  if (flags.watch && 'manifest' in target && target.manifest) {
    throw new WasmkubeError('BAD_ARGUMENT', '--watch needs local sources, not an app image', {
      fix: 'run `wasmkube up --watch APP_FOLDER` on the app you edit',
    });
  }
  let dir = process.cwd();
  const parsed =
    'manifest' in target && target.manifest
      ? target.manifest
      : target.from
        ? withIsolation(appManifestForSingleModule(resolve(target.from), flags.listen), flags.isolation)
        : await (async () => {
            const m = await (await import('../../manifest/load.ts')).loadManifest(target.app ?? '.');
            dir = m.dir;
            return m.app;
          })();
  const loaded = parsed.services.some((s) => s.source.kind === 'oci')
    ? await (await oci()).resolveOciSources(parsed)
    : parsed;
  const shutdown = {
    // The drain delay is for whatever sends traffic to notice: endpoints in a pod, clients of a host that
    // hands its port over (--reuse-port), or when asked for. A laptop's Ctrl-C stops at once.
    drainDelayMs:
      flags.drainDelay !== undefined
        ? parseDuration(flags.drainDelay, '--drain-delay')
        : process.env.KUBERNETES_SERVICE_HOST || flags.reusePort
          ? loaded.host.shutdown.drainDelayMs
          : 0,
    gracePeriodMs:
      flags.gracePeriod === undefined
        ? loaded.host.shutdown.gracePeriodMs
        : parseDuration(flags.gracePeriod, '--grace-period'),
  };
  const manifest = { ...selectServices(loaded, flags.service), host: { ...loaded.host, shutdown } };
  // Missing or stale builds are made now, and said so: `up` never serves a .wasm older than its sources.
  await buildServices(manifest, {
    force: flags.build,
    onProgress: plainProgress((line) => progress(line.trimEnd())).onProgress,
  });

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
  // Watching before the listening line: an edit made right after it is seen.
  const watching = flags.watch
    ? await (await import('../../dev/watch.ts')).watchServices({
        app: manifest,
        dir: target.from ? dirname(resolve(target.from)) : dir,
        reload: (service) => host.reload(service),
        onEvent: (e) => {
          if (format === 'json') logWatchEvent(e);
          progress(describeWatchEvent(e));
        },
        onProgress: progress,
      })
    : undefined;

  // Signals are handled before the listening line: a SIGTERM right after it must drain, not kill.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      progress(`${signal} again: exiting now`);
      process.exit(130);
    }
    watching?.close();
    const { drainDelayMs, gracePeriodMs } = manifest.host.shutdown;
    progress(
      drainDelayMs > 0
        ? `${signal}: draining (ready=503 for ${drainDelayMs} ms, then up to ${gracePeriodMs} ms for in-flight requests)`
        : `${signal}: stopping (up to ${gracePeriodMs} ms for in-flight requests)`,
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
  (await import('../npm-parent.ts')).onNpmParentExit(() => onSignal('SIGTERM'));

  // One machine-readable line on stdout (tests and scripts wait for it), a summary for people on stderr.
  process.stdout.write(
    `${JSON.stringify({ level: 'info', msg: 'listening', url: host.url, workers: host.workers })}\n`,
  );
  progress(`serving ${manifest.name} on ${host.url} with ${host.workers} worker(s)`);
  for (const r of routes) progress(`  ${r}`);
}

function withIsolation(app: AppManifest, isolation: string | undefined): AppManifest {
  if (isolation === undefined) return app;
  return { ...app, services: app.services.map((s) => ({ ...s, isolation: isolation as Isolation })) };
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

/** One JSON line on stdout per watch event that scripts (and tests) wait for. */
function logWatchEvent(e: WatchEvent): undefined {
  if (e.type === 'reloaded' || e.type === 'failed' || e.type === 'changed') {
    const { error, ...rest } = e as WatchEvent & { error?: unknown };
    const line = {
      level: e.type === 'failed' ? 'error' : 'info',
      msg: e.type,
      ...rest,
      ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  return undefined;
}

/** The same events for people, on stderr. */
function describeWatchEvent(e: WatchEvent): string {
  switch (e.type) {
    case 'watching':
      return `watching ${e.service}: ${e.globs.join(', ')}`;
    case 'unwatched':
      return `not watching ${e.service}: ${e.reason}`;
    case 'changed':
      return `${e.service}: ${e.files.slice(0, 3).join(', ')}${e.files.length > 3 ? ` and ${e.files.length - 3} more` : ''} changed, rebuilding`;
    case 'reloaded':
      return `${e.service}: new version serving (build ${e.buildMs} ms, swap ${e.swapMs} ms)`;
    case 'failed': {
      const err = e.error as { message?: string; fix?: string };
      const what = e.stage === 'build' ? 'build failed' : 'the new module did not load';
      return `${e.service}: ${what}; the previous version keeps serving\n  ${String(err?.message ?? e.error).replaceAll('\n', '\n  ')}${err?.fix ? `\n  fix: ${err.fix}` : ''}`;
    }
  }
}
