// Names and labels of rendered objects: the Kubernetes recommended `app.kubernetes.io/*` labels, and the
// selector subset that never changes across releases (a Deployment's selector is immutable).
// @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/

export const MANAGED_BY = 'wasmkube';
/** Which Deployment of a service a pod belongs to when Istio splits traffic between stable and canary. */
export const TRACK_LABEL = 'wasmkube.dev/track';

/** Labels that select one service's pods; stable across tags, so selectors stay valid. */
export function selectorLabels(app: string, service: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': `${app}-${service}`, 'app.kubernetes.io/name': service };
}

/** The recommended labels of every object belonging to one service. */
export function serviceLabels(app: string, service: string, version: string): Record<string, string> {
  return {
    ...selectorLabels(app, service),
    'app.kubernetes.io/component': 'service',
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/part-of': app,
    'app.kubernetes.io/version': version,
  };
}

/** The recommended labels of app-wide objects (Namespace, Ingress, ConfigMaps). */
export function appLabels(app: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/part-of': app,
    'app.kubernetes.io/version': version,
  };
}
