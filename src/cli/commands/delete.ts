// `wasmkube delete`: removes the app's objects from the cluster (its ApplySet), keeping the Namespace
// unless --include-namespace and shared RuntimeClasses, Shims and CRDs unless --include-cluster-scoped.

import { deleteApp } from '../../k8s/index.ts';
import { loadManifest } from '../../manifest/index.ts';
import { progress } from '../output.ts';
import { type ClusterFlags, clusterOptions, dryRunFlag } from './deploy.ts';

export interface DeleteFlags extends ClusterFlags {
  readonly dryRun?: string | boolean;
  readonly includeNamespace?: boolean;
  readonly includeClusterScoped?: boolean;
}

export async function remove(app: string | undefined, flags: DeleteFlags): Promise<void> {
  const { app: manifest } = await loadManifest(app ?? '.');
  const deleted = await deleteApp(manifest, {
    ...clusterOptions(flags),
    dryRun: dryRunFlag(flags.dryRun),
    includeNamespace: flags.includeNamespace ?? false,
    includeClusterScoped: flags.includeClusterScoped ?? false,
    progress,
  });
  process.stdout.write(`${deleted.length} deleted${dryRunFlag(flags.dryRun) ? ' (server dry run)' : ''}\n`);
}
