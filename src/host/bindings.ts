// The seam between the host and what it gives a guest beyond the request (like Hono's bindings): the
// outbound HTTP client, configuration variables, key-value stores, files and the tracer. serve.ts makes
// one per service and passes it to the engines; each capability lives in its own module, and each
// WASI interface is one module on the guest side (component/*.ts, wagi/*.ts) that reads from here.

import type { Logger } from 'pino';
import type { ServiceSpec } from '../manifest/index.ts';
import type { HostMetrics } from './metrics.ts';

/** What a service may use of the host. Each field is owned by one capability module. */
export interface ServiceBindings {
  readonly service: string;
}

/** What the host process offers for building a service's bindings. */
export interface BindingsContext {
  readonly logger: Logger;
  readonly metrics: HostMetrics;
}

export function createServiceBindings(service: ServiceSpec, _ctx: BindingsContext): ServiceBindings {
  return { service: service.name };
}
