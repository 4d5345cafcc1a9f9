// The supervisor: runs the app on every core (worker threads sharing the port through SO_REUSEPORT, or
// in this thread for one worker), merges their metrics, and shuts down the way Kubernetes expects.

import net, { type AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { WasmkubeError } from '../../errors.ts';
import type { AppManifest } from '../../manifest/index.ts';
import type { LoggerOptions } from '../observability/logger.ts';
import { autoWorkers } from './cpus.ts';
import { type ServeConfig, type ServingThread, startServing } from './serve.ts';
import { threadMetrics } from './thread-metrics.ts';

export interface HostOptions {
  readonly manifest: AppManifest;
  /** Overrides manifest.host.listen. */
  readonly listen?: { host: string; port: number };
  /** Overrides manifest.host.workers. */
  readonly workers?: number | 'auto';
  /** @default false */
  readonly keepGoing?: boolean;
  /**
   * Share the port with another process that also sets it (SO_REUSEPORT): a new host starts on the port
   * of the one it replaces, which then drains. Off, the port must be free.
   * @default false
   */
  readonly reusePort?: boolean;
  readonly log?: LoggerOptions;
}

export interface RunningHost {
  readonly url: string;
  readonly address: AddressInfo;
  readonly workers: number;
  readonly failed: readonly string[];
  /**
   * Loads `service` again from its .wasm on every serving thread and swaps it in there (`up --watch`):
   * in-flight requests finish on the old version, no connection closes. Rejects with the first thread's
   * error when the new module does not load; threads where it did load serve it.
   */
  reload(service: string): Promise<void>;
  /** Drains and stops; resolves with the number of requests cut off by the grace period. */
  stop(): Promise<{ unfinished: number }>;
}

interface ThreadHandle {
  drain(drainDelayMs: number, gracePeriodMs: number): Promise<{ unfinished: number }>;
  metricsJson(): Promise<unknown>;
  reload(service: string): Promise<void>;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const m = opts.manifest;
  const listen = opts.listen ?? m.host.listen;
  const want = opts.workers ?? m.host.workers;
  const workers = want === 'auto' ? autoWorkers() : Math.max(1, want);
  const base: Omit<ServeConfig, 'port' | 'thread' | 'defaultMetrics'> = {
    manifest: m,
    host: listen.host,
    reusePort: workers > 1 || opts.reusePort === true,
    keepGoing: opts.keepGoing ?? false,
    log: opts.log ?? {},
  };
  const threads: ThreadHandle[] = [];
  const render = threadMetrics(threads);
  const crashes: number[] = [];
  let address: AddressInfo;
  let failed: readonly string[];
  let stopping: Promise<{ unfinished: number }> | undefined;
  if (workers === 1) {
    const t: ServingThread = await startServing({
      ...base,
      port: listen.port,
      thread: 0,
      defaultMetrics: true,
    });
    threads.push({ drain: t.drain, metricsJson: t.metricsJson, reload: t.reload });
    address = t.address;
    failed = t.failed;
  } else {
    // A thread that dies of a host bug is replaced on the same port; the others keep serving meanwhile.
    const respawn = (index: number, config: ServeConfig) => (reason: string) => {
      if (stopping) return;
      // A thread that keeps dying is a bug that restarting will not fix: stop and say so.
      const now = Date.now();
      crashes.push(now);
      while (crashes[0]! < now - 60_000) crashes.shift();
      if (crashes.length > 5) {
        process.stderr.write(
          `wasmkube: serving thread ${index} ${reason}; more than 5 crashes in a minute, exiting\n`,
        );
        process.exit(70);
      }
      process.stderr.write(`wasmkube: serving thread ${index} ${reason}; starting a new one\n`);
      spawnThread({ ...config, port: address.port }, render, respawn(index, config)).then(
        (t) => {
          threads[index] = t.handle;
          // stop() came while it started: it missed this thread, so drain it now.
          if (stopping) void t.handle.drain(0, m.host.shutdown.gracePeriodMs);
        },
        (err: Error) =>
          process.stderr.write(`wasmkube: could not restart serving thread ${index}: ${err.message}\n`),
      );
    };
    // SO_REUSEPORT would let this app share a port with another process that also set it, and the
    // kernel would split traffic between them: make sure the port is free first.
    if (listen.port !== 0 && opts.reusePort !== true) await probeFree(listen.host, listen.port);
    // The first thread binds (port 0 picks one); the others join the port it got.
    const firstConfig: ServeConfig = { ...base, port: listen.port, thread: 0, defaultMetrics: true };
    const first = await spawnThread(firstConfig, render, respawn(0, firstConfig));
    threads.push(first.handle);
    address = first.address;
    failed = first.failed;
    // The other threads get the modules the first one compiled: compiled once per process, not per thread.
    const shared = { compiled: first.compiled };
    const rest = await Promise.allSettled(
      Array.from({ length: workers - 1 }, (_, i) => {
        const config: ServeConfig = {
          ...base,
          ...shared,
          port: address.port,
          thread: i + 1,
          defaultMetrics: false,
        };
        return spawnThread(config, render, respawn(i + 1, config));
      }),
    );
    for (const r of rest) {
      if (r.status === 'fulfilled') threads.push(r.value.handle);
      else {
        stopping = Promise.resolve({ unfinished: 0 });
        await Promise.all(threads.map((t) => t.drain(0, 0)));
        throw r.reason;
      }
    }
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    address,
    workers,
    failed,
    async reload(service) {
      const results = await Promise.allSettled(threads.map((t) => t.reload(service)));
      const failure = results.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
    },
    stop() {
      stopping ??= Promise.all(
        threads.map((t) => t.drain(m.host.shutdown.drainDelayMs, m.host.shutdown.gracePeriodMs)),
      ).then((all) => ({ unfinished: all.reduce((n, r) => n + r.unfinished, 0) }));
      return stopping;
    },
  };
}

/** How long after its grace period a draining thread may take to report. */
const DRAIN_REPORT_MS = 1000;

function probeFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (cause: NodeJS.ErrnoException) =>
      reject(
        new WasmkubeError(
          'LISTEN_FAILED',
          `cannot listen on ${host}:${port}: ${cause.code ?? cause.message}`,
          {
            cause,
            fix:
              cause.code === 'EADDRINUSE'
                ? 'pick another port with --listen, or stop what uses it'
                : 'check --listen',
          },
        ),
      ),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function spawnThread(
  config: ServeConfig,
  render: () => Promise<{ contentType: string; text: string }>,
  onDied: (reason: string) => void,
): Promise<{
  handle: ThreadHandle;
  address: AddressInfo;
  failed: string[];
  compiled?: ServeConfig['compiled'];
}> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: config });
  let nextId = 0;
  const snapshots = new Map<number, (v: unknown) => void>();
  const reloads = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let drained: ((r: { unfinished: number }) => void) | undefined;
  let serving = false;
  let draining = false;
  let exited = false;
  return new Promise((resolve, reject) => {
    let crash = 'exited';
    worker.on('error', (err: Error) => {
      crash = `crashed: ${err.stack ?? err.message}`;
      reject(new WasmkubeError('INTERNAL', `worker ${config.thread} crashed: ${err.message}`));
    });
    worker.on('exit', () => {
      exited = true;
      // A metrics scrape waiting on this thread must not hang.
      for (const r of snapshots.values()) r([]);
      snapshots.clear();
      for (const r of reloads.values())
        r.reject(new WasmkubeError('INTERNAL', `worker ${config.thread} exited`));
      reloads.clear();
      if (drained) drained({ unfinished: 0 });
      else if (serving && !draining) onDied(crash);
    });
    worker.on('message', async (msg) => {
      switch (msg.type) {
        case 'listening':
          serving = true;
          resolve({
            address: msg.address,
            failed: msg.failed,
            compiled: msg.compiled,
            handle: {
              drain(drainDelayMs, gracePeriodMs) {
                draining = true;
                if (exited) return Promise.resolve({ unfinished: 0 });
                return new Promise((r) => {
                  // The grace period is a hard bound here too: a thread that has not reported by then
                  // (a guest it cannot preempt) is terminated with what it was running.
                  const overdue = setTimeout(
                    () => {
                      process.stderr.write(
                        `wasmkube: serving thread ${config.thread} did not finish draining within the grace period; stopping it\n`,
                      );
                      drained?.({ unfinished: 1 });
                    },
                    drainDelayMs + gracePeriodMs + DRAIN_REPORT_MS,
                  );
                  drained = (res) => {
                    clearTimeout(overdue);
                    drained = undefined;
                    void worker.terminate();
                    r(res);
                  };
                  worker.postMessage({ type: 'drain', drainDelayMs, gracePeriodMs });
                });
              },
              reload(service) {
                // A thread that died is replaced from the manifest, so it loads the new file anyway.
                if (exited) return Promise.resolve();
                const id = ++nextId;
                return new Promise((resolve, reject) => {
                  reloads.set(id, { resolve, reject });
                  worker.postMessage({ type: 'reload', id, service });
                });
              },
              metricsJson() {
                if (exited) return Promise.resolve([]);
                const id = ++nextId;
                return new Promise((r) => {
                  snapshots.set(id, r);
                  worker.postMessage({ type: 'metrics-snapshot', id });
                });
              },
            },
          });
          break;
        case 'failed':
          void worker.terminate();
          reject(new WasmkubeError(msg.error.code, msg.error.message, { fix: msg.error.fix }));
          break;
        case 'metrics-snapshot':
          snapshots.get(msg.id)?.(msg.value);
          snapshots.delete(msg.id);
          break;
        case 'reloaded': {
          const r = reloads.get(msg.id);
          reloads.delete(msg.id);
          if (msg.error)
            r?.reject(new WasmkubeError(msg.error.code, msg.error.message, { fix: msg.error.fix }));
          else r?.resolve();
          break;
        }
        case 'metrics-request': {
          const value = await render().catch((err: Error) => ({
            contentType: 'text/plain',
            text: `# metrics could not be merged: ${err.message}\n`,
          }));
          worker.postMessage({ type: 'metrics-response', id: msg.id, value });
          break;
        }
        case 'drained':
          drained?.({ unfinished: msg.unfinished });
          break;
      }
    });
  });
}
