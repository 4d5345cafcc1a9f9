// The zod schema of one service's Kubernetes settings (`services.X.kubernetes`): mode, scaling, storage,
// Istio, ConfigMap/Secret references and the podTemplate passthrough, plus the rules across fields.

import * as z from 'zod';
import {
  duration,
  integer,
  intOrPercent,
  objectName,
  passthrough,
  passthroughList,
  quantity,
  stringMap,
  withFix,
} from './kubernetes-fields.ts';
import { suggest } from './names.ts';

const MODES = ['container', 'wasm', 'knative', 'stateful'] as const;

const PodTemplateSchema = z
  .strictObject({
    annotations: stringMap('pod annotations'),
    labels: stringMap('pod labels'),
    nodeSelector: stringMap('a node selector'),
    tolerations: passthroughList('tolerations', '{ key: wasm, operator: Exists, effect: NoSchedule }'),
    affinity: passthrough('an affinity', '{ nodeAffinity: {...} }'),
    env: passthroughList('env vars', '{ name: LOG_LEVEL, value: debug }'),
    sidecars: passthroughList('containers', '{ name: proxy, image: envoyproxy/envoy:v1.31 }'),
    initContainers: passthroughList('containers', '{ name: init, image: busybox }'),
    volumes: passthroughList('volumes', '{ name: cache, emptyDir: {} }'),
    volumeMounts: passthroughList('volume mounts', '{ name: cache, mountPath: /cache }'),
    serviceAccountName: objectName('service account name', 'shop'),
    priorityClassName: objectName('priority class name', 'high'),
    securityContext: passthrough('a pod security context', '{ runAsUser: 1000 }'),
    containerSecurityContext: passthrough(
      'a container security context',
      '{ readOnlyRootFilesystem: false }',
    ),
    livenessProbe: z.union([
      z.literal(false),
      passthrough('a probe', '{ httpGet: { path: /health, port: http } }'),
    ]),
    readinessProbe: z.union([
      z.literal(false),
      passthrough('a probe', '{ httpGet: { path: /ready, port: http } }'),
    ]),
    startupProbe: z.union([
      z.literal(false),
      passthrough('a probe', '{ httpGet: { path: /ready, port: http }, failureThreshold: 90 }'),
    ]),
    strategy: passthrough('a deployment strategy', '{ type: Recreate }'),
    terminationGracePeriodSeconds: integer(0, 86_400),
  })
  .partial()
  .meta({
    description:
      'Passed through into the pod template, over the defaults: nodeSelector, tolerations, affinity, env, sidecars, security contexts, probes (liveness, readiness, startup; false removes one), strategy.',
  });

const QuantitiesSchema = z.strictObject({ cpu: quantity, memory: quantity }).partial();

const AutoscalingSchema = z
  .strictObject({
    minReplicas: integer(1, 1000).meta({ default: 1 }),
    maxReplicas: integer(1, 1000),
    cpu: integer(1, 1000).meta({ description: 'Target average CPU utilization, percent of requests.' }),
    memory: integer(1, 1000).meta({ description: 'Target average memory utilization, percent of requests.' }),
  })
  .partial({ minReplicas: true, cpu: true, memory: true })
  .superRefine((value, ctx) => {
    if ((value.minReplicas ?? 1) > value.maxReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['minReplicas'],
        message: `minReplicas (${value.minReplicas}) is greater than maxReplicas (${value.maxReplicas})`,
        params: { fix: 'make minReplicas at most maxReplicas' },
      });
    }
  });

const KedaSchema = z
  .strictObject({
    minReplicas: integer(0, 1000).meta({ default: 0 }),
    maxReplicas: integer(1, 1000),
    pollingInterval: integer(1, 3600).meta({ description: 'Seconds between trigger checks.' }),
    cooldownPeriod: integer(0, 86_400).meta({ description: 'Seconds before scaling to zero.' }),
    triggers: z
      .array(
        z.strictObject({
          type: z.string().min(1),
          metadata: stringMap('trigger metadata'),
          metricType: z.enum(['AverageValue', 'Value', 'Utilization']).optional(),
          name: z.string().optional(),
        }),
      )
      .min(1, {
        error: withFix(
          'needs at least one trigger',
          "write triggers: [{ type: cpu, metricType: Utilization, metadata: { value: '60' } }]",
        ),
      }),
  })
  .partial({ minReplicas: true, pollingInterval: true, cooldownPeriod: true })
  .meta({ description: 'A KEDA ScaledObject instead of a HorizontalPodAutoscaler.' });

const IstioSchema = z
  .strictObject({
    canary: z
      .strictObject({
        tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, {
          error: withFix('is not an image tag', 'use a tag such as 1.1.0'),
        }),
        weight: integer(1, 99).meta({ description: 'Percent of traffic sent to the canary.' }),
        replicas: integer(1, 1000).optional().meta({ default: 1 }),
      })
      .meta({ description: 'A second Deployment running `tag`, receiving `weight` percent of the traffic.' }),
    trafficPolicy: passthrough(
      'a DestinationRule trafficPolicy',
      '{ connectionPool: { http: { http2MaxRequests: 100 } } }',
    ),
    proxyWasm: z
      .union(
        [
          z.strictObject({
            url: z.string().regex(/^(oci|https?):\/\/\S+$/),
            phase: z.enum(['AUTHN', 'AUTHZ', 'STATS']).optional(),
          }),
          z.strictObject({ file: z.string().min(1) }),
        ],
        {
          error: withFix(
            'expected { url: oci://... } or { file: path.wasm }',
            'write proxyWasm: { url: oci://ghcr.io/acme/filter:1.0 } (a WasmPlugin) or { file: /etc/envoy-wasm/filter.wasm } (an EnvoyFilter)',
          ),
        },
      )
      .meta({
        description:
          'A proxy-wasm filter: an OCI/HTTP url gives a WasmPlugin, a file in the proxy an EnvoyFilter.',
      }),
  })
  .partial()
  .meta({ description: 'Istio VirtualService and DestinationRule for this service.' });

export const ServiceKubernetesSchema = z
  .strictObject({
    mode: z
      .enum(MODES, {
        error: (issue) => {
          const near = typeof issue.input === 'string' ? suggest(issue.input, MODES) : undefined;
          return withFix(
            'expected container, wasm, knative or stateful',
            near === undefined
              ? 'use mode: container (a container with a Wasm runtime)'
              : `did you mean ${near}? (use mode: ${near})`,
          );
        },
      })
      .meta({ description: 'How the service runs on Kubernetes.', default: 'container' }),
    replicas: integer(0, 1000).meta({ description: 'Pod replicas.', default: 1 }),
    runtimeClassName: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, {
        error: withFix('is not a RuntimeClass name', 'use a lowercase name such as wasmtime'),
      })
      .meta({
        description: 'RuntimeClass of a containerd Wasm shim; only with mode: wasm.',
        default: 'wasmtime',
      }),
    resources: z
      .strictObject({ requests: QuantitiesSchema, limits: QuantitiesSchema })
      .partial()
      .meta({ description: 'Container resource requests and limits.' }),
    autoscaling: AutoscalingSchema.meta({
      description: 'HorizontalPodAutoscaler; cpu defaults to 80 when neither target is set.',
    }),
    keda: KedaSchema,
    knative: z
      .strictObject({
        target: integer(1, 100_000).meta({
          description: 'Concurrent requests per pod Knative aims for.',
          default: 100,
        }),
        minScale: integer(0, 1000).meta({
          description: 'Pods kept when idle; 0 scales to zero.',
          default: 0,
        }),
        maxScale: integer(0, 1000).meta({ description: 'Most pods; 0 means no limit.' }),
      })
      .partial()
      .meta({ description: 'Knative autoscaling; only with mode: knative.' }),
    storage: z
      .strictObject({
        size: quantity.meta({ default: '1Gi' }),
        storageClassName: objectName('storage class name', 'standard'),
        accessMode: z
          .enum(['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'])
          .meta({ default: 'ReadWriteOnce' }),
      })
      .partial()
      .meta({ description: 'The volume each pod gets at /data; only with mode: stateful.' }),
    service: z
      .strictObject({
        type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).meta({ default: 'ClusterIP' }),
        port: integer(1, 65_535).meta({ default: 80 }),
      })
      .partial()
      .meta({ description: 'The Service in front of the pods.' }),
    disruptionBudget: z
      .union([
        z.literal(false),
        z.strictObject({ minAvailable: intOrPercent, maxUnavailable: intOrPercent }).partial(),
      ])
      .meta({
        description:
          'PodDisruptionBudget; default maxUnavailable 1 when there are 2 or more replicas; false: none.',
      }),
    networkPolicy: z.boolean().meta({
      description: 'NetworkPolicy allowing ingress only from the gateway and callers.',
      default: true,
    }),
    serviceMonitor: z
      .union([z.boolean(), z.strictObject({ interval: duration }).partial()])
      .meta({ description: 'A prometheus-operator ServiceMonitor scraping /metrics.' }),
    envFrom: z
      .array(
        z.union(
          [
            z.strictObject({ configMap: objectName('ConfigMap name', 'shop-config') }),
            z.strictObject({ secret: objectName('Secret name', 'shop-secrets') }),
          ],
          {
            error: withFix(
              'expected { configMap: name } or { secret: name }',
              'write envFrom: [{ configMap: shop-config }]',
            ),
          },
        ),
      )
      .meta({ description: 'ConfigMaps and Secrets whose keys become environment variables.' }),
    valueFrom: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
        z.union(
          [
            z.strictObject({
              configMap: objectName('ConfigMap name', 'shop-config'),
              key: z.string().min(1),
            }),
            z.strictObject({ secret: objectName('Secret name', 'shop-secrets'), key: z.string().min(1) }),
          ],
          {
            error: withFix(
              'expected { configMap|secret: name, key: key }',
              'write DB_PASSWORD: { secret: db, key: password }',
            ),
          },
        ),
      )
      .meta({ description: 'Environment variables read from one key of a ConfigMap or Secret.' }),
    istio: IstioSchema,
    podTemplate: PodTemplateSchema,
  })
  .partial();

export type ServiceKubernetesInput = z.output<typeof ServiceKubernetesSchema>;

interface Problem {
  readonly path: PropertyKey[];
  readonly message: string;
  readonly fix: string;
}

/** Checks across fields of one service's kubernetes block; reused on every environment's merged block. */
export function serviceKubernetesProblems(value: ServiceKubernetesInput): Problem[] {
  const mode = value.mode ?? 'container';
  const out: Problem[] = [];
  const only = (field: keyof ServiceKubernetesInput, want: string) => {
    if (value[field] !== undefined && mode !== want) {
      out.push({
        path: [field],
        message: `${field} only applies to mode: ${want}, not ${mode}`,
        fix: `set mode: ${want}, or remove ${field}`,
      });
    }
  };
  only('runtimeClassName', 'wasm');
  only('knative', 'knative');
  only('storage', 'stateful');
  if (value.autoscaling !== undefined && value.keda !== undefined) {
    out.push({
      path: ['keda'],
      message: 'autoscaling and keda both scale this service',
      fix: 'keep one of autoscaling (an HPA) or keda (a ScaledObject)',
    });
  }
  if (mode === 'knative') {
    for (const field of ['autoscaling', 'keda', 'disruptionBudget'] as const) {
      if (value[field] !== undefined && value[field] !== false) {
        out.push({
          path: [field],
          message: `${field} does not apply to mode: knative (Knative scales and routes it)`,
          fix:
            field === 'autoscaling' || field === 'keda'
              ? 'use knative: { target, minScale, maxScale }'
              : `remove ${field}`,
        });
      }
    }
  }
  const kn = value.knative;
  if (
    kn?.minScale !== undefined &&
    kn.maxScale !== undefined &&
    kn.maxScale > 0 &&
    kn.minScale > kn.maxScale
  ) {
    out.push({
      path: ['knative', 'minScale'],
      message: `minScale (${kn.minScale}) is greater than maxScale (${kn.maxScale})`,
      fix: 'make minScale at most maxScale (maxScale 0 means no limit)',
    });
  }
  if (value.istio?.canary !== undefined && (mode === 'knative' || mode === 'stateful')) {
    out.push({
      path: ['istio', 'canary'],
      message: `a canary does not apply to mode: ${mode}`,
      fix: 'use mode: container or wasm, where a second Deployment takes the canary traffic',
    });
  }
  return out;
}
