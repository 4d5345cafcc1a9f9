// mode `knative`: a serving.knative.dev/v1 Service that scales to zero (min-scale 0 by default) on a
// concurrency target; Knative owns replicas, routing and the Kubernetes Service.
// @see https://knative.dev/docs/serving/autoscaling/

import type { ServiceSpec } from '../../manifest/index.ts';
import { serviceLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { podSelector, STARTUP_PROBE, serviceContainer } from './pod.ts';
import { metadata } from './workload.ts';

const STARTUP_SECONDS = STARTUP_PROBE.failureThreshold * STARTUP_PROBE.periodSeconds;

/** Seconds past the guest deadline that the host gets to answer (its 504 or the last body bytes). */
export const KNATIVE_TIMEOUT_MARGIN_SECONDS = 5;

/**
 * The revision's request timeout: Knative cuts a request off at timeoutSeconds, so it must leave the
 * host room over the guest deadline to send its own answer rather than Knative's bare 504.
 */
export function knativeTimeoutSeconds(service: ServiceSpec): number {
  return Math.ceil(service.limits.timeoutMs / 1000) + KNATIVE_TIMEOUT_MARGIN_SECONDS;
}

export function knativeService(ctx: RenderContext, service: ServiceSpec): KubeObject {
  const spec = service.kubernetes;
  const kn = spec.knative ?? {};
  const tpl = spec.podTemplate ?? {};
  const container = serviceContainer(ctx, service, { image: ctx.containerImage });
  // Knative allows one port, named http1 or h2c, and probes without a port (it probes the one port).
  // Knative's schema has no startupProbe: a defaulted liveness probe waits the startup allowance instead.
  const { ports: _ports, livenessProbe: live, readinessProbe, startupProbe, ...rest } = container;
  const livenessProbe =
    startupProbe !== undefined && spec.podTemplate?.livenessProbe === undefined && live !== undefined
      ? { ...(live as Record<string, unknown>), initialDelaySeconds: STARTUP_SECONDS }
      : live;
  const withoutPort = (probe: unknown) => {
    if (probe === undefined) return undefined;
    const p = probe as { httpGet?: Record<string, unknown> };
    if (p.httpGet === undefined) return probe;
    const { port: _port, ...get } = p.httpGet;
    return { ...p, httpGet: get };
  };
  const annotations: Record<string, string> = {
    'autoscaling.knative.dev/metric': 'concurrency',
    'autoscaling.knative.dev/min-scale': String(kn.minScale ?? 0),
    'autoscaling.knative.dev/target': String(kn.target ?? 100),
    ...(kn.maxScale === undefined ? {} : { 'autoscaling.knative.dev/max-scale': String(kn.maxScale) }),
    ...(tpl.annotations ?? {}),
  };
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: metadata(ctx, service),
    spec: {
      template: {
        metadata: {
          annotations,
          labels: {
            ...(tpl.labels ?? {}),
            ...serviceLabels(ctx.app.name, service.name, ctx.version),
            ...podSelector(ctx, service),
          },
        },
        spec: {
          ...(tpl.affinity === undefined ? {} : { affinity: tpl.affinity }),
          containerConcurrency: 0,
          containers: [
            {
              ...rest,
              ports: [{ containerPort: ctx.port, name: 'http1' }],
              ...(livenessProbe === undefined ? {} : { livenessProbe: withoutPort(livenessProbe) }),
              ...(readinessProbe === undefined ? {} : { readinessProbe: withoutPort(readinessProbe) }),
            },
          ],
          enableServiceLinks: false,
          ...(tpl.nodeSelector === undefined ? {} : { nodeSelector: tpl.nodeSelector }),
          ...(tpl.serviceAccountName === undefined ? {} : { serviceAccountName: tpl.serviceAccountName }),
          timeoutSeconds: knativeTimeoutSeconds(service),
          ...(tpl.tolerations === undefined ? {} : { tolerations: tpl.tolerations }),
          // No terminationGracePeriodSeconds: Knative refuses it and drains by timeoutSeconds itself.
          volumes: [{ emptyDir: { sizeLimit: '256Mi' }, name: 'tmp' }],
        },
      },
    },
  };
}
