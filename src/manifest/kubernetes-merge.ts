// Environments (`kubernetes.environments.prod`) are overlays: merged over the base settings before they
// are checked and normalized, so `--env prod` renders exactly what a manifest with those values would.

import type { AppKubernetesInput } from './kubernetes-app-schema.ts';
import type { ServiceKubernetesInput } from './kubernetes-schema.ts';
import { serviceKubernetesProblems } from './kubernetes-schema.ts';

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

interface EnvironmentIssue {
  readonly path: PropertyKey[];
  readonly message: string;
  readonly params: { fix: string };
}

/** Environments that name unknown services, or whose merged blocks break a cross-field rule. */
export function environmentProblems(
  services: Readonly<Record<string, { kubernetes?: ServiceKubernetesInput | undefined }>>,
  app: AppKubernetesInput | undefined,
): EnvironmentIssue[] {
  const out: EnvironmentIssue[] = [];
  for (const [env, overlay] of Object.entries(app?.environments ?? {})) {
    for (const name of Object.keys(overlay.services ?? {})) {
      const at = ['kubernetes', 'environments', env, 'services', name];
      if (!(name in services)) {
        out.push({
          path: at,
          message: `environment ${env} overrides service '${name}', which the app does not have`,
          params: { fix: `use one of: ${Object.keys(services).sort().join(', ')}` },
        });
        continue;
      }
      const merged = environmentService(services[name].kubernetes, app, env, name);
      for (const p of serviceKubernetesProblems(merged)) {
        out.push({
          path: [...at, ...p.path],
          message: `${p.message} (after merging environment ${env})`,
          params: { fix: p.fix },
        });
      }
    }
  }
  return out;
}
