// The seam between the host and what it gives a guest beyond the request (like Hono's bindings): the
// outbound HTTP client, configuration variables, key-value stores, files and the tracer. serve.ts makes
// one per service and passes it to the engines; each capability lives in its own module, and each
// WASI interface is one module on the guest side (component/*.ts, wagi/*.ts) that reads from here.

import type { Logger } from 'pino';
import type { ServiceSpec } from '../manifest/index.ts';
import type { HostMetrics } from './metrics.ts';
import type { LocalDispatcher } from './outbound/local.ts';
import { createOutbound, type Outbound } from './outbound/outbound.ts';
import type { Tracer } from './tracing/tracer.ts';

/** What a service may use of the host. Each field is owned by one capability module. */
export interface ServiceBindings {
  readonly service: string;
  /** wasi:http/outgoing-handler: calls checked against allowedOutboundHosts (outbound/outbound.ts). */
  readonly outbound?: Outbound;
  /** Spans for inbound requests and outbound calls (tracing/tracer.ts). */
  readonly tracer?: Tracer;
}

/** What the host process offers for building a service's bindings. */
export interface BindingsContext {
  readonly logger: Logger;
  readonly metrics: HostMetrics;
  /** This thread's HostApp, for service chaining in process (set once it exists). */
  readonly local?: LocalDispatcher;
  readonly tracer?: Tracer;
}

export function createServiceBindings(service: ServiceSpec, ctx: BindingsContext): ServiceBindings {
  return {
    service: service.name,
    outbound: createOutbound(service, {
      logger: ctx.logger,
      stats: ctx.metrics.outbound,
      tracer: ctx.tracer,
      local: ctx.local,
    }),
    tracer: ctx.tracer,
  };
}
