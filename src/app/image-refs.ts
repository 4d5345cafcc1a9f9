// The one naming rule for an app's images, shared by `wasmkube package/push` and `wasmkube k8s render`:
// one container image per app (host + every service), one Wasm artifact per service.

import type { AppManifest } from '../manifest/index.ts';

export interface ImageRefOptions {
  /** Registry and namespace, e.g. `127.0.0.1:5000/acme` or `ghcr.io/acme`; no trailing slash. */
  readonly registry: string;
  /** @default 'latest' */
  readonly tag?: string;
}

export interface AppImageRefs {
  /** `REGISTRY/APP:TAG`: the wasmkube host with the whole app; each Deployment runs one service of it. */
  readonly container: string;
  /** `REGISTRY/APP-SERVICE:TAG`: the service's Wasm artifact, what wasm-native nodes pull. */
  readonly wasm: Readonly<Record<string, string>>;
}

export function appImageRefs(app: AppManifest, opts: ImageRefOptions): AppImageRefs {
  const registry = opts.registry.replace(/\/+$/, '');
  const tag = opts.tag ?? 'latest';
  const wasm: Record<string, string> = {};
  for (const s of app.services) wasm[s.name] = `${registry}/${app.name}-${s.name}:${tag}`;
  return { container: `${registry}/${app.name}:${tag}`, wasm };
}
