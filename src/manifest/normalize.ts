// From validated input to the app model: units converted, defaults applied, services sorted by name.
// Pure and total: the schema has already rejected everything these conversions could fail on.

import { DEFAULTS } from './defaults.ts';
import { environmentService, environmentSettings } from './kubernetes-merge.ts';
import { parseOutboundHost } from './outbound-hosts.ts';
import { parseRoute } from './routes.ts';
import type { ManifestInput, ServiceInput } from './schema.ts';
import { parseSource } from './source.ts';
import type {
  AppKubernetesSettings,
  AppKubernetesSpec,
  AppManifest,
  KubernetesSpec,
  ResourceQuantities,
  ServiceSpec,
} from './types.ts';
import { API_VERSION } from './types.ts';
import { parseDuration, parseListen, parseSize } from './units.ts';

export function normalizeManifest(input: ManifestInput): AppManifest {
  const host = input.host ?? {};
  return {
    apiVersion: API_VERSION,
    name: input.name,
    host: {
      listen: parseListen(host.listen ?? DEFAULTS.listen),
      workers: host.workers ?? DEFAULTS.workers,
      shutdown: {
        drainDelayMs: parseDuration(host.shutdown?.drainDelay ?? DEFAULTS.drainDelay),
        gracePeriodMs: parseDuration(host.shutdown?.gracePeriod ?? DEFAULTS.gracePeriod),
      },
      http: {
        headersTimeoutMs: parseDuration(host.http?.headersTimeout ?? DEFAULTS.headersTimeout),
        keepAliveTimeoutMs: parseDuration(host.http?.keepAliveTimeout ?? DEFAULTS.keepAliveTimeout),
        firstByteTimeoutMs: parseDuration(host.http?.firstByteTimeout ?? DEFAULTS.firstByteTimeout),
        maxConnections: host.http?.maxConnections ?? DEFAULTS.maxConnections,
        maxHeaderBytes: parseSize(host.http?.maxHeaderSize ?? DEFAULTS.maxHeaderSize),
        maxUrlBytes: parseSize(host.http?.maxUrlLength ?? DEFAULTS.maxUrlLength),
      },
    },
    services: Object.keys(input.services)
      .sort()
      .map((name) => normalizeService(name, input.services[name])),
    ...(input.kubernetes === undefined ? {} : { kubernetes: normalizeAppKubernetes(input) }),
  };
}

function normalizeAppKubernetes(input: ManifestInput): AppKubernetesSpec {
  const app = input.kubernetes ?? {};
  const { environments, ...settings } = app;
  if (environments === undefined) return settings;
  const names = Object.keys(input.services).sort();
  const envs: Record<string, { settings: AppKubernetesSettings; services: Record<string, KubernetesSpec> }> =
    {};
  for (const env of Object.keys(environments).sort()) {
    envs[env] = {
      settings: environmentSettings(app, env),
      services: Object.fromEntries(
        names.map((name) => [
          name,
          normalizeKubernetes(environmentService(input.services[name].kubernetes, app, env, name)),
        ]),
      ),
    };
  }
  return { ...settings, environments: envs };
}

function normalizeService(name: string, input: ServiceInput): ServiceSpec {
  const limits = input.limits ?? {};
  return {
    name,
    source: parseSource(input.source),
    ...(input.build === undefined
      ? {}
      : {
          build: {
            command: input.build.command,
            workdir: input.build.workdir ?? '.',
            watch: input.build.watch ?? [],
          },
        }),
    routes: input.routes.map(parseRoute),
    env: sortKeys(input.env ?? {}),
    allowedOutboundHosts: [...new Set((input.allowedOutboundHosts ?? []).map(parseOutboundHost))],
    limits: {
      memoryBytes: parseSize(limits.memory ?? DEFAULTS.memory),
      timeoutMs: parseDuration(limits.timeout ?? DEFAULTS.timeout),
      maxBodyBytes: parseSize(limits.maxBodySize ?? DEFAULTS.maxBodySize),
      concurrency: limits.concurrency ?? DEFAULTS.concurrency,
    },
    isolation: input.isolation ?? DEFAULTS.isolation,
    kubernetes: normalizeKubernetes(input.kubernetes ?? {}),
  };
}

function normalizeKubernetes(input: NonNullable<ServiceInput['kubernetes']>): KubernetesSpec {
  const { mode, replicas, runtimeClassName, resources, autoscaling, ...extras } = input;
  return {
    ...extras,
    mode: input.mode ?? DEFAULTS.mode,
    replicas: input.replicas ?? DEFAULTS.replicas,
    ...(input.runtimeClassName === undefined ? {} : { runtimeClassName: input.runtimeClassName }),
    resources: {
      requests: quantities(input.resources?.requests),
      limits: quantities(input.resources?.limits),
    },
    ...(autoscaling === undefined
      ? {}
      : {
          autoscaling: {
            minReplicas: autoscaling.minReplicas ?? DEFAULTS.minReplicas,
            maxReplicas: autoscaling.maxReplicas,
            ...(autoscaling.cpu === undefined && autoscaling.memory === undefined
              ? { cpu: DEFAULTS.cpuTarget }
              : {
                  ...(autoscaling.cpu === undefined ? {} : { cpu: autoscaling.cpu }),
                  ...(autoscaling.memory === undefined ? {} : { memory: autoscaling.memory }),
                }),
          },
        }),
  };
}

function quantities(
  input: { cpu?: string | number; memory?: string | number } | undefined,
): ResourceQuantities {
  return {
    ...(input?.cpu === undefined ? {} : { cpu: String(input.cpu) }),
    ...(input?.memory === undefined ? {} : { memory: String(input.memory) }),
  };
}

function sortKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
