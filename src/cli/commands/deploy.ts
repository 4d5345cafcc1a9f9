// `wasmkube deploy`: parses flags and calls deploy() in src/k8s/deploy, printing progress per workload
// on stderr and the change summary on stdout.

import { WasmkubeError } from '../../errors.ts';
import { deploy as deployApp, formatSummary } from '../../k8s/index.ts';
import { loadManifest, parseDuration } from '../../manifest/index.ts';
import { progress } from '../output.ts';

export interface ClusterFlags {
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly env?: string;
}

export interface DeployFlags extends ClusterFlags {
  readonly registry?: string;
  readonly tag?: string;
  readonly dryRun?: string | boolean;
  readonly prune?: boolean;
  readonly wait?: boolean;
  readonly timeout?: string;
}

/** The flags every cluster command shares, without the ones left out. */
export function clusterOptions(flags: ClusterFlags) {
  return Object.fromEntries(
    (['context', 'kubeconfig', 'namespace', 'env'] as const)
      .filter((k) => flags[k] !== undefined)
      .map((k) => [k, flags[k]]),
  ) as ClusterFlags;
}

export function dryRunFlag(value: string | boolean | undefined): boolean {
  if (value === undefined || value === false) return false;
  if (value === true || value === 'server') return true;
  throw new WasmkubeError('BAD_ARGUMENT', `--dry-run=${value} is not supported`, {
    fix: '--dry-run=server asks the API server to check everything; for an offline check use wasmkube k8s render',
  });
}

/** deploy's --dry-run: `client` renders and validates offline, `server` asks the API server. */
function deployDryRun(value: string | boolean | undefined): 'client' | boolean {
  return value === 'client' ? 'client' : dryRunFlag(value);
}

export async function deploy(app: string | undefined, flags: DeployFlags): Promise<void> {
  const mode = deployDryRun(flags.dryRun);
  const client = mode === 'client';
  const dryRun = mode === true;
  const { app: manifest } = await loadManifest(app ?? '.');
  let applied: Parameters<typeof formatSummary>[0] | undefined;
  const run = deployApp(manifest, {
    ...clusterOptions(flags),
    ...(flags.registry === undefined ? {} : { registry: flags.registry }),
    ...(flags.tag === undefined ? {} : { tag: flags.tag }),
    dryRun,
    prune: flags.prune ?? false,
    wait: client ? false : (flags.wait ?? true),
    ...(client ? { cluster: (await import('../../k8s/deploy/offline-cluster.ts')).offlineCluster() } : {}),
    ...(flags.timeout === undefined ? {} : { timeoutMs: parseDuration(flags.timeout) }),
    progress,
    onApplied: (s) => {
      applied = s;
    },
  });
  try {
    await run;
  } finally {
    // What was applied is reported also when the rollout wait fails (the error follows on stderr).
    if (applied)
      process.stdout.write(`${client ? '(client dry run) ' : ''}${formatSummary(applied, dryRun)}\n`);
  }
}
