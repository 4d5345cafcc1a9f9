// Entry point of a serving worker thread: starts a serving thread from the supervisor's config and
// answers its messages (metrics snapshots, drain).

import { parentPort, workerData } from 'node:worker_threads';
import { isWasmkubeError } from '../../errors.ts';
import { compiledModules, useCompiledModules } from '../engines/load.ts';
import { type ServeConfig, startServing } from './serve.ts';

const port = parentPort!;
const config = workerData as ServeConfig;
// Modules the first serving thread compiled: this one instantiates them without compiling again.
if (config.compiled) useCompiledModules(config.compiled);
let nextId = 0;
const pending = new Map<number, (v: { contentType: string; text: string }) => void>();

try {
  const thread = await startServing(config, () => {
    const id = ++nextId;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      port.postMessage({ type: 'metrics-request', id });
    });
  });
  port.on(
    'message',
    async (msg: { type: string; id?: number; value?: { contentType: string; text: string } }) => {
      if (msg.type === 'metrics-snapshot')
        port.postMessage({ type: 'metrics-snapshot', id: msg.id, value: await thread.metricsJson() });
      else if (msg.type === 'metrics-response') {
        pending.get(msg.id!)?.(msg.value!);
        pending.delete(msg.id!);
      } else if (msg.type === 'reload') {
        const m = msg as unknown as { id: number; service: string };
        try {
          await thread.reload(m.service);
          port.postMessage({ type: 'reloaded', id: m.id });
        } catch (err) {
          port.postMessage({ type: 'reloaded', id: m.id, error: errorJson(err) });
        }
      } else if (msg.type === 'drain') {
        const m = msg as unknown as { drainDelayMs: number; gracePeriodMs: number };
        const result = await thread.drain(m.drainDelayMs, m.gracePeriodMs);
        port.postMessage({ type: 'drained', ...result });
      }
    },
  );
  port.postMessage({
    type: 'listening',
    address: thread.address,
    failed: thread.failed,
    compiled: config.compiled ? undefined : await compiledModules(),
  });
} catch (err) {
  port.postMessage({
    type: 'failed',
    error: errorJson(err),
  });
}

function errorJson(err: unknown): { code: string; message: string; fix?: string } {
  return isWasmkubeError(err)
    ? { code: err.code, message: err.message, fix: err.fix }
    : { code: 'INTERNAL', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
