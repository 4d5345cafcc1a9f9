// The pod template every workload kind shares (Deployment, StatefulSet, the canary): the guide's best
// practices as defaults (probes, resources, Pod Security "restricted"), then the podTemplate passthrough.

import type { KubernetesSpec, ServiceSpec } from '../../manifest/index.ts';
import { selectorLabels, serviceLabels, TRACK_LABEL } from '../labels.ts';
import type { RenderContext } from './context.ts';
import { stateEnv } from './variables.ts';

/** A non-root user that exists in no base image: runAsNonRoot needs a number to check. */
export const POD_USER = 65532;

/** Resource defaults per mode: the host is a Node.js process; a Wasm shim runs only the guest. */
const DEFAULT_RESOURCES = {
  container: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  wasm: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
} as const;

export interface PodOptions {
  readonly image: string;
  /** `stable` or `canary` when Istio splits traffic; absent otherwise. */
  readonly track?: 'stable' | 'canary';
  /** Mounts added by the workload kind (a StatefulSet's /data). */
  readonly extraMounts?: readonly Record<string, unknown>[];
}

/** The labels on a service's pods and in its workload selector. */
export function podSelector(ctx: RenderContext, service: ServiceSpec, track?: 'stable' | 'canary') {
  return {
    ...selectorLabels(ctx.app.name, service.name),
    ...(track === undefined ? {} : { [TRACK_LABEL]: track }),
  };
}

/** Seconds Kubernetes waits after SIGTERM: the host's drain delay plus grace period, rounded up, plus 5. */
export function terminationGraceSeconds(ctx: RenderContext): number {
  const { drainDelayMs, gracePeriodMs } = ctx.app.host.shutdown;
  return Math.ceil((drainDelayMs + gracePeriodMs) / 1000) + 5;
}

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity's value (`100m` is 0.1, `64Mi` is 67108864); the schema has already checked its form. */
export function quantityValue(q: string): number {
  const m = /^\+?([0-9.]+)(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))$/.exec(q);
  if (m === null) return Number.NaN;
  return (
    Number(m[1]) * (m[2] === undefined ? (SUFFIX[m[3] ?? ''] ?? Number.NaN) : 10 ** Number(m[2].slice(1)))
  );
}

/**
 * Requests and limits: what the user wrote, and for what they left out the mode's default, kept
 * consistent (a default request is never above the user's limit, a default limit never below the
 * user's request), so every container has both and the pod is valid.
 */
export function resources(spec: KubernetesSpec): Record<string, Record<string, string>> {
  const defaults = spec.mode === 'wasm' ? DEFAULT_RESOURCES.wasm : DEFAULT_RESOURCES.container;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const r of ['cpu', 'memory'] as const) {
    const req = spec.resources.requests[r];
    const lim = spec.resources.limits[r];
    const min = (a: string, b: string) => (quantityValue(a) <= quantityValue(b) ? a : b);
    const max = (a: string, b: string) => (quantityValue(a) >= quantityValue(b) ? a : b);
    requests[r] = req ?? (lim === undefined ? defaults.requests[r] : min(defaults.requests[r], lim));
    limits[r] = lim ?? (req === undefined ? defaults.limits[r] : max(defaults.limits[r], req));
  }
  return { limits, requests };
}

/**
 * How long the host may take to answer /ready before Kubernetes restarts it: 2 s × 90 = 3 minutes,
 * enough for a cold start that transpiles a large component on a fraction of a CPU (the image's
 * pre-transpiled cache usually makes it a second or two).
 */
export const STARTUP_PROBE = { failureThreshold: 90, periodSeconds: 2 } as const;

function probes(service: ServiceSpec): Record<string, unknown> {
  const tpl = service.kubernetes.podTemplate ?? {};
  const wasm = service.kubernetes.mode === 'wasm';
  // A Wasm shim runs the guest alone: no host answers /health and /ready, so probe the socket.
  const check = (path: string) =>
    wasm ? { tcpSocket: { port: 'http' } } : { httpGet: { path, port: 'http' } };
  const liveness = { ...check('/health'), initialDelaySeconds: 5, periodSeconds: 10 };
  const readiness = { ...check('/ready'), initialDelaySeconds: 2, periodSeconds: 5 };
  // The host loads every guest before /ready answers 200; liveness only starts once this succeeds, so
  // a slow first start is not killed. A shim starts in milliseconds: no startup probe there.
  const startup = wasm ? undefined : { ...check('/ready'), ...STARTUP_PROBE };
  const startupProbe = tpl.startupProbe === false ? undefined : (tpl.startupProbe ?? startup);
  return {
    ...(tpl.livenessProbe === false ? {} : { livenessProbe: tpl.livenessProbe ?? liveness }),
    ...(tpl.readinessProbe === false ? {} : { readinessProbe: tpl.readinessProbe ?? readiness }),
    ...(startupProbe === undefined ? {} : { startupProbe }),
  };
}

/** Pod Security "restricted" for one container. */
const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsGroup: POD_USER,
  runAsNonRoot: true,
  runAsUser: POD_USER,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/**
 * A sidecar or init container from podTemplate, hardened like the service's own: the Namespace enforces
 * Pod Security "restricted", which would refuse the pod otherwise. Its own securityContext wins.
 */
function hardened(container: Record<string, unknown>): Record<string, unknown> {
  const own = (container.securityContext ?? {}) as Record<string, unknown>;
  return { ...container, securityContext: { ...CONTAINER_SECURITY, ...own } };
}

/**
 * The guest's /data is the pod's /data: the StatefulSet's volume in stateful mode, else (for a service
 * that declares `data`) an emptyDir, since the image's root filesystem is read-only. The host reads
 * WASMKUBE_DATA_DIR (see src/host/files/bindings.ts).
 */
function dataDirEnv(service: ServiceSpec): Record<string, unknown>[] {
  const mode = service.kubernetes.mode;
  if (mode !== 'stateful' && scratchDataMount(service).length === 0) return [];
  return [{ name: 'WASMKUBE_DATA_DIR', value: '/data' }];
}

function scratchDataMount(service: ServiceSpec): Record<string, unknown>[] {
  const mode = service.kubernetes.mode;
  if (mode !== 'container' || service.files?.data === undefined) return [];
  return [{ mountPath: '/data', name: 'data' }];
}

function scratchDataVolume(service: ServiceSpec): Record<string, unknown>[] {
  return scratchDataMount(service).length === 0 ? [] : [{ emptyDir: {}, name: 'data' }];
}

/** The container running the service: the wasmkube host with `--service NAME`, or the Wasm artifact. */
export function serviceContainer(
  ctx: RenderContext,
  service: ServiceSpec,
  opts: PodOptions,
): Record<string, unknown> {
  const spec = service.kubernetes;
  const tpl = spec.podTemplate ?? {};
  const container = spec.mode !== 'wasm';
  const env: Record<string, unknown>[] = [
    // The host reads the guest's env from wasmkube.yaml in the image; a Wasm shim passes the
    // container's env to the guest, so in wasm mode the manifest's env goes here. No
    // WASMKUBE_CACHE_DIR: the image sets it to its pre-transpiled cache, which the host reads
    // read-only (misses stay in memory), so pods start without transpiling again.
    ...(container ? [] : Object.entries(service.env).map(([name, value]) => ({ name, value }))),
    ...Object.entries(spec.valueFrom ?? {})
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, ref]) => ({
        name,
        valueFrom:
          'secret' in ref
            ? { secretKeyRef: { key: ref.key, name: ref.secret } }
            : { configMapKeyRef: { key: ref.key, name: ref.configMap } },
      })),
    ...stateEnv(ctx, service),
    ...dataDirEnv(service),
    ...((tpl.env ?? []) as Record<string, unknown>[]),
  ];
  const envFrom = (spec.envFrom ?? []).map((ref) =>
    'secret' in ref ? { secretRef: { name: ref.secret } } : { configMapRef: { name: ref.configMap } },
  );
  return {
    name: service.name,
    image: opts.image,
    imagePullPolicy: 'IfNotPresent',
    ...(container
      ? { args: ['up', '/app', '--listen', `0.0.0.0:${ctx.port}`, '--service', service.name] }
      : {}),
    ports: [{ containerPort: ctx.port, name: 'http', protocol: 'TCP' }],
    ...(env.length === 0 ? {} : { env }),
    ...(envFrom.length === 0 ? {} : { envFrom }),
    ...probes(service),
    resources: resources(spec),
    securityContext: { ...CONTAINER_SECURITY, ...(tpl.containerSecurityContext ?? {}) },
    volumeMounts: [
      { mountPath: '/tmp', name: 'tmp' },
      ...(opts.extraMounts ?? []),
      ...scratchDataMount(service),
      ...((tpl.volumeMounts ?? []) as Record<string, unknown>[]),
    ],
  };
}

/** The pod template of a Deployment or StatefulSet. */
export function podTemplate(
  ctx: RenderContext,
  service: ServiceSpec,
  opts: PodOptions,
): Record<string, unknown> {
  const spec = service.kubernetes;
  const tpl = spec.podTemplate ?? {};
  return {
    metadata: {
      labels: {
        ...(tpl.labels ?? {}),
        ...serviceLabels(ctx.app.name, service.name, ctx.version),
        ...podSelector(ctx, service, opts.track),
      },
      ...(tpl.annotations === undefined ? {} : { annotations: tpl.annotations }),
    },
    spec: {
      ...(tpl.affinity === undefined ? {} : { affinity: tpl.affinity }),
      automountServiceAccountToken: tpl.serviceAccountName !== undefined,
      containers: [
        serviceContainer(ctx, service, opts),
        ...((tpl.sidecars ?? []) as Record<string, unknown>[]).map(hardened),
      ],
      ...(tpl.initContainers === undefined
        ? {}
        : { initContainers: (tpl.initContainers as Record<string, unknown>[]).map(hardened) }),
      ...(tpl.nodeSelector === undefined ? {} : { nodeSelector: tpl.nodeSelector }),
      ...(tpl.priorityClassName === undefined ? {} : { priorityClassName: tpl.priorityClassName }),
      ...(spec.mode === 'wasm' ? { runtimeClassName: spec.runtimeClassName ?? 'wasmtime' } : {}),
      securityContext: {
        fsGroup: POD_USER,
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
        ...(tpl.securityContext ?? {}),
      },
      ...(tpl.serviceAccountName === undefined ? {} : { serviceAccountName: tpl.serviceAccountName }),
      terminationGracePeriodSeconds: tpl.terminationGracePeriodSeconds ?? terminationGraceSeconds(ctx),
      ...(tpl.tolerations === undefined ? {} : { tolerations: tpl.tolerations }),
      volumes: [
        { emptyDir: { sizeLimit: '256Mi' }, name: 'tmp' },
        ...scratchDataVolume(service),
        ...((tpl.volumes ?? []) as Record<string, unknown>[]),
      ],
    },
  };
}
