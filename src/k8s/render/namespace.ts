// The app's Namespace, enforcing Pod Security "restricted" (what the rendered pods are hardened for).
// Not rendered for `default`, which every cluster has and nobody should label.
// @see https://kubernetes.io/docs/concepts/security/pod-security-admission/

import { appLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';

export function namespace(ctx: RenderContext): KubeObject[] {
  if (ctx.namespace === 'default') return [];
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        labels: {
          ...appLabels(ctx.app.name, ctx.version),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
        name: ctx.namespace,
      },
    },
  ];
}
