// The zod schema of the app-wide Kubernetes settings (`kubernetes:`): namespace, image registry and tag,
// ingress, Gateway API, NetworkPolicy peers, ServiceMonitor, Fluent Bit, RuntimeClasses, environments.

import * as z from 'zod';
import {
  integer,
  name,
  objectName,
  REGISTRY_FIX,
  REGISTRY_PATTERN,
  stringMap,
  TAG_FIX,
  TAG_PATTERN,
  withFix,
} from './kubernetes-fields.ts';
import { ServiceKubernetesSchema } from './kubernetes-schema.ts';
import { StoresSchema } from './state-schema.ts';

const IngressSchema = z
  .strictObject({
    host: z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
      error: withFix('is not a host name', 'use a host such as api.example.com'),
    }),
    className: objectName('IngressClass name', 'nginx'),
    tlsSecret: objectName('Secret name', 'shop-tls'),
    annotations: stringMap('annotations'),
  })
  .partial();

const GatewaySchema = z
  .strictObject({
    parentRefs: z
      .array(
        z.strictObject({
          name: objectName('Gateway name', 'web-gw'),
          namespace: name('namespace', 'gateways').optional(),
          sectionName: z.string().optional(),
        }),
      )
      .min(1, {
        error: withFix('needs a Gateway', 'write parentRefs: [{ name: web-gw, namespace: gateways }]'),
      }),
    hostnames: z.array(z.string()).optional(),
  })
  .meta({ description: 'Gateway API HTTPRoute with the routes of the manifest.' });

const AppKubernetesShape = {
  namespace: name('namespace', 'shop').meta({
    description: 'Namespace of every object; default: the app name.',
  }),
  registry: z
    .string()
    .regex(new RegExp(REGISTRY_PATTERN), { error: withFix('is not a registry', REGISTRY_FIX) })
    .meta({ description: 'Registry of the images `wasmkube push` made; --registry overrides it.' }),
  tag: z
    .string()
    .regex(new RegExp(TAG_PATTERN), { error: withFix('is not an image tag', TAG_FIX) })
    .meta({ description: 'Image tag; --tag overrides it.', default: 'latest' }),
  ingress: z
    .union([z.literal(false), IngressSchema])
    .meta({ description: 'The Ingress with every route; false: none.' }),
  gateway: GatewaySchema,
  networkPolicy: z
    .strictObject({
      gatewayNamespace: name('namespace', 'ingress-nginx'),
      gatewayPodLabels: stringMap('pod labels'),
      prometheusNamespace: name('namespace', 'monitoring'),
      dnsNamespace: name('namespace', 'kube-system'),
    })
    .partial()
    .meta({
      description:
        'Where the gateway (default namespace ingress-nginx), Prometheus (default monitoring) and cluster DNS (default kube-system, pods k8s-app=kube-dns) run, for the NetworkPolicies.',
    }),
  serviceMonitor: z
    .boolean()
    .meta({ description: 'A ServiceMonitor for every service (per-service settings win).' }),
  fluentBit: z
    .union([
      z.literal(true),
      z
        .strictObject({
          host: z.string().min(1),
          port: integer(1, 65_535),
          parser: z.enum(['cri', 'docker']),
        })
        .partial(),
    ])
    .meta({ description: "The guide's Fluent Bit ConfigMap shipping this app's logs to Elasticsearch." }),
  runtimeClasses: z
    .record(
      z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/),
      z.strictObject({
        handler: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
          .optional(),
        nodeSelector: stringMap('a node selector').optional(),
        shim: z
          .strictObject({
            location: z.url({
              error: withFix('expected a URL', 'use the release URL of a containerd shim tarball'),
            }),
          })
          .optional()
          .meta({ description: 'Install the shim with a runtime-class-manager Shim instead of by hand.' }),
      }),
    )
    .meta({ description: 'RuntimeClasses of wasm-mode services; handler defaults to the name.' }),
  keyValue: StoresSchema.meta({
    description: 'Key-value store backends in the cluster, over the app-level keyValue (e.g. redis in prod).',
  }),
};

export const AppKubernetesSchema = z
  .strictObject({
    ...AppKubernetesShape,
    environments: z
      .record(
        name('environment name', 'prod'),
        z
          .strictObject({
            ...AppKubernetesShape,
            services: z.record(z.string(), ServiceKubernetesSchema).optional(),
          })
          .partial(),
      )
      .meta({
        description:
          'Overlays chosen with --env: app settings and per-service kubernetes blocks, merged over the base.',
      }),
  })
  .partial();

export type AppKubernetesInput = z.output<typeof AppKubernetesSchema>;
