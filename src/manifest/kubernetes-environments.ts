// Checks of per-environment overlays (`kubernetes.environments`): each overridden service exists, and the
// merged result still passes the service's cross-field rules. Apart from merging, which needs no schema.

import type { AppKubernetesInput } from './kubernetes-app-schema.ts';
import { environmentService } from './kubernetes-merge.ts';
import { type ServiceKubernetesInput, serviceKubernetesProblems } from './kubernetes-schema.ts';

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
