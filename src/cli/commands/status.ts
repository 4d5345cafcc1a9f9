// `wasmkube status`: each service's workload, ready replicas and URL in the cluster, as a table.

import { formatStatus, status as readStatus } from '../../k8s/index.ts';
import { loadManifest } from '../../manifest/index.ts';
import { type ClusterFlags, clusterOptions } from './deploy.ts';

export async function status(app: string | undefined, flags: ClusterFlags): Promise<void> {
  const { app: manifest } = await loadManifest(app ?? '.');
  const rows = await readStatus(manifest, clusterOptions(flags));
  process.stdout.write(`${formatStatus(rows)}\n`);
}
