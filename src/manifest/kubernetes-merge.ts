// Environments (`kubernetes.environments.prod`) are overlays: merged over the base settings before they
// are checked and normalized, so `--env prod` renders exactly what a manifest with those values would.

import type { AppKubernetesInput } from './kubernetes-app-schema.ts';
import type { ServiceKubernetesInput } from './kubernetes-schema.ts';

/** Maps merge key by key; lists and scalars in the overlay replace the base's. */
export function deepMerge<T>(base: T, overlay: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overlay)) return (overlay === undefined ? base : overlay) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value !== undefined) out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The app settings of one environment: the base with the environment's over it (without `services`). */
export function environmentSettings(
  app: AppKubernetesInput,
  env: string,
): Omit<AppKubernetesInput, 'environments'> {
  const { environments, ...base } = app;
  const { services: _services, ...overlay } = environments?.[env] ?? {};
  return deepMerge(base, overlay);
}

/** One service's kubernetes block in an environment. */
export function environmentService(
  base: ServiceKubernetesInput | undefined,
  app: AppKubernetesInput | undefined,
  env: string,
  service: string,
): ServiceKubernetesInput {
  return deepMerge(base ?? {}, app?.environments?.[env]?.services?.[service]);
}
