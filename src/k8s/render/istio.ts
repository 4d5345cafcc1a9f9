// `istio`: a VirtualService with weighted routes (stable and, with a canary, `canary` subsets), the
// DestinationRule defining those subsets, and a proxy-wasm filter as a WasmPlugin (url) or the guide's
// EnvoyFilter (a file in the proxy).
// @see https://istio.io/latest/docs/reference/config/networking/virtual-service/

import type { ServiceSpec } from '../../manifest/index.ts';
import { TRACK_LABEL } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';
import { podSelector } from './pod.ts';
import { servicePort } from './service.ts';
import { metadata } from './workload.ts';

export function istio(ctx: RenderContext, service: ServiceSpec): KubeObject[] {
  const settings = service.kubernetes.istio;
  if (settings === undefined) return [];
  const host = `${service.name}.${ctx.namespace}.svc.cluster.local`;
  const port = { number: servicePort(service) };
  const canary = settings.canary;
  const out: KubeObject[] = [];
  if (canary !== undefined || settings.trafficPolicy !== undefined) {
    const route =
      canary === undefined
        ? [{ destination: { host, port }, weight: 100 }]
        : [
            { destination: { host, port, subset: 'stable' }, weight: 100 - canary.weight },
            { destination: { host, port, subset: 'canary' }, weight: canary.weight },
          ];
    out.push({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: metadata(ctx, service),
      spec: {
        hosts: [service.name, host],
        // Every request to the service is split, whatever its path: the routes are the gateway's business.
        http: [{ name: canary === undefined ? 'default' : 'canary', route }],
      },
    });
    out.push({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: metadata(ctx, service),
      spec: {
        host,
        ...(canary === undefined
          ? {}
          : {
              subsets: (['stable', 'canary'] as const).map((track) => ({
                labels: { [TRACK_LABEL]: track },
                name: track,
              })),
            }),
        ...(settings.trafficPolicy === undefined ? {} : { trafficPolicy: settings.trafficPolicy }),
      },
    });
  }
  const filter = settings.proxyWasm;
  if (filter !== undefined && 'url' in filter) {
    out.push({
      apiVersion: 'extensions.istio.io/v1alpha1',
      kind: 'WasmPlugin',
      metadata: metadata(ctx, service),
      spec: {
        phase: filter.phase ?? 'AUTHN',
        selector: { matchLabels: podSelector(ctx, service) },
        url: filter.url,
      },
    });
  } else if (filter !== undefined) {
    out.push({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: metadata(ctx, service),
      spec: {
        configPatches: [
          {
            applyTo: 'HTTP_FILTER',
            match: {
              context: 'SIDECAR_INBOUND',
              listener: {
                filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } },
              },
            },
            patch: {
              operation: 'INSERT_BEFORE',
              value: {
                name: 'envoy.filters.http.wasm',
                typed_config: {
                  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                  type_url: 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
                  value: {
                    config: {
                      vm_config: {
                        code: { local: { filename: filter.file } },
                        runtime: 'envoy.wasm.runtime.v8',
                      },
                    },
                  },
                },
              },
            },
          },
        ],
        workloadSelector: { labels: podSelector(ctx, service) },
      },
    });
  }
  return out;
}
