// Service chaining in process: `http://SERVICE/…`, `http://SERVICE.spin.internal/…` and `http://self/…`
// handed to the HostApp of this thread when it serves that service, with no socket in between.

import type { HostRequest, HostResponse } from '../core/app.ts';
import type { OutboundTarget } from './policy.ts';

/** What the dispatcher needs of the host core (HostApp implements it). */
export interface LocalApp {
  /** Whether this thread serves the service. */
  serves(service: string): boolean;
  /** Serves a request with that service, by its own routes (404 when none matches). */
  handleService(service: string, req: HostRequest): Promise<HostResponse>;
  /** Serves a request as if it came in on the listener (`http://self`). */
  handle(req: HostRequest): Promise<HostResponse>;
}

/** Filled in once the thread's HostApp exists (bindings are made before it). */
export class LocalDispatcher {
  app: LocalApp | undefined;
}

const SPIN_INTERNAL = '.spin.internal';

/**
 * Where a target goes in process: `{ self: true }`, `{ service }`, or undefined (out over the network).
 * Only plain http on port 80, the form that works unchanged on Kubernetes (a Service's port 80).
 */
export function localRoute(
  dispatcher: LocalDispatcher | undefined,
  target: OutboundTarget,
): { readonly app: LocalApp; readonly service: string | undefined } | undefined {
  const app = dispatcher?.app;
  if (!app || target.scheme !== 'http' || target.port !== 80) return undefined;
  const name = target.host.endsWith(SPIN_INTERNAL)
    ? target.host.slice(0, -SPIN_INTERNAL.length)
    : target.host;
  if (name === 'self' || name === 'self.alt') return { app, service: undefined };
  if (!name.includes('.') && app.serves(name)) return { app, service: name };
  return undefined;
}
