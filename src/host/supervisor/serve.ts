// One serving thread: loads every service's engine, binds the listener and drains on request. The
// supervisor runs one of these in-process, or one per worker thread sharing the port.

import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isWasmkubeError, WasmkubeError } from '../../errors.ts';
import type { AppManifest, ServiceSpec } from '../../manifest/index.ts';
import { NodeHttpServer } from '../adapters/node-http.ts';
import { AppState } from '../config/app-state.ts';
import { HostApp } from '../core/app.ts';
import { createServiceBindings } from '../core/bindings.ts';
import type { Engine } from '../core/engine.ts';
import { type Compiled, loadEngine } from '../engines/load.ts';
import { LOG_BUDGET_BYTES } from '../engines/log-budget.ts';
import { createLogger, type LoggerOptions } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { LocalDispatcher } from '../outbound/local.ts';
import { processTracer } from '../tracing/tracer.ts';

export interface ServeConfig {
  readonly manifest: AppManifest;
  readonly host: string;
  readonly port: number;
  readonly reusePort: boolean;
  /** Serve the services that load even if others fail. @default false */
  readonly keepGoing: boolean;
  readonly log: LoggerOptions;
  readonly thread: number;
  /** Process-wide metrics (default ones) are collected by thread 0 only. */
  readonly defaultMetrics: boolean;
  /** Modules another serving thread compiled (worker threads only; see load.ts compiledModules). */
  readonly compiled?: readonly [string, Compiled][];
}

export interface ServingThread {
  readonly address: AddressInfo;
  readonly app: HostApp;
  readonly logger: Logger;
  readonly failed: readonly string[];
  readonly metricsJson: () => Promise<unknown>;
  /**
   * Loads `service` again from its .wasm file and swaps it in (`up --watch`): in-flight requests finish
   * on the old engine; a module that fails to load leaves the old one serving and rejects.
   */
  reload(service: string): Promise<void>;
  /** Readiness off, wait drainDelay, stop accepting, let in-flight requests finish up to the grace period. */
  drain(drainDelayMs: number, gracePeriodMs: number): Promise<{ unfinished: number }>;
}

export async function startServing(
  config: ServeConfig,
  renderMetrics?: () => Promise<{ contentType: string; text: string }>,
): Promise<ServingThread> {
  const logger = createLogger({ ...config.log, base: { ...config.log.base, thread: config.thread } });
  if (config.compiled)
    logger.debug({ modules: config.compiled.length }, 'using modules compiled by thread 0');
  // A promise nobody awaited failing is a host bug: log it loudly, keep serving the other requests.
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'unhandled rejection (a wasmkube bug)'),
  );
  let app: HostApp | undefined;
  // Variables and stores first: a required variable without a value stops start-up here.
  const state = new AppState(config.manifest);
  const metrics = createMetrics(
    () => app?.memoryByService() ?? [],
    config.defaultMetrics,
    () => app?.pendingByService() ?? [],
  );
  const events = (service: string) => {
    let warned: string | undefined;
    return {
      instanceCreated: () => metrics.instanceCreated(service),
      guestLog: (stream: 'stdout' | 'stderr', line: string, reqId: string | undefined, traceId?: string) =>
        logger.info({ service, stream, reqId, traceId, guest: true }, state.redact(line)),
      guestLogDropped: (lines: number, reqId: string | undefined) => {
        metrics.guestLogDropped(service, lines);
        if (warned === reqId) return;
        warned = reqId;
        logger.warn(
          { service, reqId, budgetBytes: LOG_BUDGET_BYTES },
          'guest log budget used up: further lines of this request are dropped (wasmkube_guest_log_dropped_total)',
        );
      },
      // Every thread decides the same: one line is enough.
      notice: (message: string) => {
        if (config.thread === 0) logger.warn({ service }, message);
      },
    };
  };
  // Spans leave the process only with OTEL_EXPORTER_OTLP_ENDPOINT set (the SDK is loaded only then).
  const tracer = await processTracer();
  const local = new LocalDispatcher();
  const engines: Engine[] = [];
  const failed: ServiceSpec[] = [];
  const errors: WasmkubeError[] = [];
  for (const service of config.manifest.services) {
    try {
      engines.push(
        await loadEngine(
          service,
          events(service.name),
          createServiceBindings(service, { logger, metrics, state, local, tracer }),
        ),
      );
    } catch (err) {
      const e = isWasmkubeError(err)
        ? err
        : new WasmkubeError('INTERNAL', `service '${service.name}': ${String(err)}`, { cause: err });
      failed.push(service);
      errors.push(e);
    }
  }
  if (errors.length > 0 && (!config.keepGoing || engines.length === 0)) {
    const hint =
      !config.keepGoing && engines.length > 0 ? '; or pass --keep-going to serve the other services' : '';
    throw new WasmkubeError(errors[0]!.code, errors.map((e) => e.message).join('\n'), {
      cause: errors[0],
      fix: `${errors[0]!.fix ?? 'see above'}${hint}`,
    });
  }
  if (config.thread === 0) {
    for (const e of errors)
      logger.error({ code: e.code, fix: e.fix }, `${e.message} (skipped: --keep-going)`);
  }
  app = new HostApp({ engines, logger, metrics, renderMetrics, failed, tracer });
  local.app = app;
  const failedNames = failed.map((s) => s.name);
  const server = new NodeHttpServer(app, logger, config.manifest.host.http);
  let address: AddressInfo;
  try {
    address = await server.listen({ host: config.host, port: config.port, reusePort: config.reusePort });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new WasmkubeError(
      'LISTEN_FAILED',
      `cannot listen on ${config.host}:${config.port}: ${code ?? cause}`,
      {
        cause,
        fix:
          code === 'EADDRINUSE' ? 'pick another port with --listen, or stop what uses it' : 'check --listen',
      },
    );
  }
  metrics.prime();
  const liveApp = app;
  return {
    address,
    app: liveApp,
    logger,
    failed: failedNames,
    metricsJson: async () => (await metrics.registry()).getMetricsAsJSON(),
    async reload(name) {
      const service = config.manifest.services.find((s) => s.name === name);
      if (!service)
        throw new WasmkubeError('BAD_ARGUMENT', `no service '${name}' in ${config.manifest.name}`);
      const engine = await loadEngine(
        service,
        events(service.name),
        createServiceBindings(service, { logger, metrics }),
      );
      liveApp.swapEngine(name, engine);
    },
    async drain(drainDelayMs, gracePeriodMs) {
      liveApp.startDraining();
      server.closeAfterResponses();
      // Endpoints take a while to drop this pod: keep accepting until they have.
      await sleep(drainDelayMs);
      // Every connection closes after its current response; done when the last one has closed, which
      // is when every response has been written out in full, not merely produced.
      const closed = server.stopAccepting();
      const finished = await Promise.race([closed.then(() => true), sleep(gracePeriodMs).then(() => false)]);
      const unfinished = finished ? 0 : Math.max(server.active, liveApp.inFlight);
      // A hard bound: guests still running are stopped (and logged), connections closed.
      if (!finished) liveApp.stopInFlight(gracePeriodMs);
      server.closeAll();
      await closed;
      for (const e of liveApp.engines()) e.close();
      await state.close();
      await tracer.flush();
      return { unfinished };
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
