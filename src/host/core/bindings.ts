// The seam between the host and what it gives a guest beyond the request (like Hono's bindings): the
// outbound HTTP client, configuration variables, key-value stores, files and the tracer. serve.ts makes
// one per service and passes it to the engines; each capability lives in its own module, and each
// WASI interface is one module on the guest side (component/*.ts, wagi/*.ts) that reads from here.

import type { Logger } from 'pino';
import type { ServiceSpec } from '../../manifest/index.ts';
import type { AppState } from '../config/app-state.ts';
import type { ServiceConfig } from '../config/variables.ts';
import { filesFor } from '../files/bindings.ts';
import { type FilesGrant, NO_FILES } from '../files/grant.ts';
import type { ServiceKeyValue } from '../keyvalue/stores.ts';
import type { HostMetrics } from '../observability/metrics.ts';
import type { LocalDispatcher } from '../outbound/local.ts';
import { createOutbound, type Outbound } from '../outbound/outbound.ts';
import type { Tracer } from '../tracing/tracer.ts';

/** What a service may use of the host. Each field is owned by one capability module. */
export interface ServiceBindings {
  readonly service: string;
  /** The variables this service may read (wasi:config/store, the guest environment); see config/. */
  readonly config?: ServiceConfig;
  /** The key-value stores this service may open (wasi:keyvalue); see keyvalue/. */
  readonly keyValue?: ServiceKeyValue;
  /** The service's /data and read-only files, preopened for the guest (files/grant.ts). */
  readonly files?: FilesGrant;
  /** wasi:http/outgoing-handler: calls checked against allowedOutboundHosts (outbound/outbound.ts). */
  readonly outbound?: Outbound;
  /** Spans for inbound requests and outbound calls (tracing/tracer.ts). */
  readonly tracer?: Tracer;
}

/** What the host process offers for building a service's bindings. */
export interface BindingsContext {
  readonly logger: Logger;
  readonly metrics: HostMetrics;
  /** The app's variables and stores, resolved once per thread (config/app-state.ts). */
  readonly state?: AppState;
  /** This thread's HostApp, for service chaining in process (set once it exists). */
  readonly local?: LocalDispatcher;
  readonly tracer?: Tracer;
}

export function createServiceBindings(service: ServiceSpec, ctx: BindingsContext): ServiceBindings {
  const config = ctx.state?.config(service);
  const keyValue = ctx.state?.keyValue(service, (f) =>
    ctx.logger.warn({ service: service.name, store: f.store, reqId: f.reqId }, `key-value: ${f.error}`),
  );
  return {
    service: service.name,
    ...(config === undefined ? {} : { config }),
    ...(keyValue === undefined ? {} : { keyValue }),
    files: filesFor(service),
    outbound: createOutbound(service, {
      logger: ctx.logger,
      stats: ctx.metrics.outbound,
      tracer: ctx.tracer,
      local: ctx.local,
    }),
    tracer: ctx.tracer,
  };
}

/** The files of a service's bindings (none when it declares none). */
export function bindingsFiles(b: ServiceBindings | undefined): FilesGrant {
  return b?.files ?? NO_FILES;
}
