// mode `container` and mode `wasm`: a Deployment with the guide's RollingUpdate (maxSurge 1,
// maxUnavailable 0), plus a second `NAME-canary` Deployment when Istio splits traffic.
// @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/

import type { ServiceSpec } from '../../manifest/index.ts';
import { TRACK_LABEL } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import { imageAt, type RenderContext } from './context.ts';
import { podSelector, podTemplate } from './pod.ts';
import { hasCanary, metadata, scaled } from './workload.ts';

export function deployments(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  const spec = service.kubernetes;
  const canary = spec.istio?.canary;
  const image = spec.mode === 'wasm' ? (ctx.wasmImages[service.name] as string) : ctx.containerImage;
  const out = [deployment(ctx, service, image, hasCanary(service) ? 'stable' : undefined)];
  if (canary !== undefined) out.push(deployment(ctx, service, imageAt(ctx, service, canary.tag), 'canary'));
  return out;
}

function deployment(
  ctx: RenderContext,
  service: ServiceSpec,
  image: string,
  track: 'stable' | 'canary' | undefined,
): KubeObject {
  const spec = service.kubernetes;
  const isCanary = track === 'canary';
  const meta = metadata(ctx, service, isCanary ? `${service.name}-canary` : service.name);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: track === undefined ? meta : { ...meta, labels: { ...meta.labels, [TRACK_LABEL]: track } },
    spec: {
      // The canary keeps a fixed size; the scaler sizes the stable Deployment.
      ...(isCanary
        ? { replicas: spec.istio?.canary?.replicas ?? 1 }
        : scaled(service)
          ? {}
          : { replicas: spec.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: podSelector(ctx, service, track) },
      strategy: spec.podTemplate?.strategy ?? {
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
        type: 'RollingUpdate',
      },
      template: podTemplate(ctx, service, { image, ...(track === undefined ? {} : { track }) }),
    },
  };
}
