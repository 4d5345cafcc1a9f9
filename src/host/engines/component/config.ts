// wasi:config/store for components: the service's own variables (config/variables.ts). Every version
// peers use has the same shape (0.2.0-draft, Spin's 0.2.0-draft-2024-09-27, wasmCloud's 0.2.0-rc.1),
// and jco keys them all by the unversioned name, so one implementation serves them all.

import type { ServiceConfig } from '../../config/variables.ts';

export function configImports(config: ServiceConfig | undefined) {
  return {
    'wasi:config/store': {
      get: (key: string) => ({ tag: 'ok', val: config?.get(key) }) as const,
      getAll: () => ({ tag: 'ok', val: config?.entries() ?? [] }) as const,
    },
  };
}
