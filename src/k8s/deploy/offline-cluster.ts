// `deploy --dry-run=client`: a Cluster that holds nothing and sends nothing, so deploy renders,
// validates and lists what it would apply (everything as created) without a kubeconfig.

import type { Cluster } from './client.ts';

export function offlineCluster(): Cluster {
  return {
    where: 'no cluster (client dry run: rendered and validated offline, nothing sent)',
    apply: async (obj) => obj,
    read: async () => undefined,
    list: async () => [],
    delete: async () => false,
  };
}
