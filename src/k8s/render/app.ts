// Renders a whole app: per service its workload (by mode) and the objects around it, then the app-wide
// ones (Namespace, RuntimeClasses, Ingress, HTTPRoute, Fluent Bit), in apply order. Pure: no I/O.

import type { AppManifest, ServiceSpec } from '../../manifest/index.ts';
import { sortObjects } from '../order.ts';
import type { KubeObject } from '../types.ts';
import { type RenderContext, type RenderOptions, renderContext } from './context.ts';
import { deployments } from './deployment.ts';
import { fluentBit } from './fluent-bit.ts';
import { hpa } from './hpa.ts';
import { httpRoute } from './http-route.ts';
import { ingress } from './ingress.ts';
import { istio } from './istio.ts';
import { scaledObject } from './keda.ts';
import { knativeService } from './knative.ts';
import { namespace } from './namespace.ts';
import { networkPolicy } from './network-policy.ts';
import { pdb } from './pdb.ts';
import { runtimeClasses } from './runtime-class.ts';
import { services } from './service.ts';
import { serviceMonitor } from './service-monitor.ts';
import { statefulSet } from './statefulset.ts';
import { variableObjects } from './variables.ts';

function renderService(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  const mode = service.kubernetes.mode;
  if (mode === 'knative') return [knativeService(ctx, service), ...networkPolicy(ctx, service)];
  return [
    ...(mode === 'stateful' ? [statefulSet(ctx, service)] : deployments(ctx, service)),
    ...services(ctx, service),
    ...hpa(ctx, service),
    ...scaledObject(ctx, service),
    ...pdb(ctx, service),
    ...networkPolicy(ctx, service),
    ...serviceMonitor(ctx, service),
    ...istio(ctx, service),
  ];
}

/** Every object of the app, sorted in apply order. */
export function renderObjects(ctx: RenderContext): KubeObject[] {
  return sortObjects([
    ...namespace(ctx),
    ...runtimeClasses(ctx),
    ...variableObjects(ctx),
    ...ctx.app.services.flatMap((s) => renderService(ctx, s)),
    ...ingress(ctx),
    ...httpRoute(ctx),
    ...fluentBit(ctx),
  ]);
}

/**
 * Renders an app (optionally one environment of it) to Kubernetes objects in apply order.
 * @throws WasmkubeError BAD_ARGUMENT for an unknown environment or a missing registry
 */
export function renderApp(app: AppManifest, opts: RenderOptions = {}): KubeObject[] {
  return renderObjects(renderContext(app, opts));
}
