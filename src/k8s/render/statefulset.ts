// mode `stateful`: the guide's StatefulSet with a volume per pod at /data (volumeClaimTemplates) and the
// headless Service that gives each pod its stable DNS name.
// @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/

import type { ServiceSpec } from '../../manifest/index.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { podSelector, podTemplate } from './pod.ts';
import { metadata, scaled } from './workload.ts';

export function headlessServiceName(service: ServiceSpec): string {
  return `${service.name}-headless`;
}

export function statefulSet(ctx: RenderContext, service: ServiceSpec): KubeObject {
  const spec = service.kubernetes;
  const storage = spec.storage ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(ctx, service),
    spec: {
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      ...(scaled(service) ? {} : { replicas: spec.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: podSelector(ctx, service) },
      serviceName: headlessServiceName(service),
      template: podTemplate(ctx, service, {
        image: ctx.containerImage,
        extraMounts: [{ mountPath: '/data', name: 'data' }],
      }),
      updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data' },
          spec: {
            accessModes: [storage.accessMode ?? 'ReadWriteOnce'],
            resources: { requests: { storage: String(storage.size ?? '1Gi') } },
            ...(storage.storageClassName === undefined ? {} : { storageClassName: storage.storageClassName }),
          },
        },
      ],
    },
  };
}
