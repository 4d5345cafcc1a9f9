// The seam between the host and what it gives a guest beyond the request (like Hono's bindings): the
// outbound HTTP client, configuration variables, key-value stores, files and the tracer. serve.ts makes
// one per service and passes it to the engines; each capability lives in its own module, and each
// WASI interface is one module on the guest side (component/*.ts, wagi/*.ts) that reads from here.

import type { Logger } from 'pino';
import type { ServiceSpec } from '../manifest/index.ts';
import { filesFor } from './files/bindings.ts';
import { type FilesGrant, NO_FILES } from './files/grant.ts';
import type { HostMetrics } from './metrics.ts';

/** What a service may use of the host. Each field is owned by one capability module. */
export interface ServiceBindings {
  readonly service: string;
  /** The service's /data and read-only files, preopened for the guest (files/grant.ts). */
  readonly files?: FilesGrant;
}

/** What the host process offers for building a service's bindings. */
export interface BindingsContext {
  readonly logger: Logger;
  readonly metrics: HostMetrics;
}

export function createServiceBindings(service: ServiceSpec, _ctx: BindingsContext): ServiceBindings {
  return {
    service: service.name,
    files: filesFor(service),
  };
}

/** The files of a service's bindings (none when it declares none). */
export function bindingsFiles(b: ServiceBindings | undefined): FilesGrant {
  return b?.files ?? NO_FILES;
}
