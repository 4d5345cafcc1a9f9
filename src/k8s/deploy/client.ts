// The only file that touches @kubernetes/client-node, imported lazily (~0.9 s) by deploy, status and
// delete: a small interface over server-side apply, read, list and delete, with errors from the catalog.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WasmkubeError } from '../../errors.ts';
import { describeObject, type KubeObject } from '../types.ts';

export const FIELD_MANAGER = 'wasmkube';

export interface ClusterOptions {
  /** A kubeconfig file. @default $KUBECONFIG, then ~/.kube/config, then in-cluster */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig. @default its current context */
  readonly context?: string;
}

export interface Cluster {
  /** Server-side apply with field manager `wasmkube` (or `fieldManager`), taking over conflicting fields. */
  apply(obj: KubeObject, dryRun: boolean, fieldManager?: string): Promise<KubeObject>;
  /** The live object, or undefined when there is none. */
  read(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<KubeObject | undefined>;
  list(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector: string,
  ): Promise<KubeObject[]>;
  /** Deletes (foreground); false when it was already gone. */
  delete(obj: KubeObject, dryRun: boolean): Promise<boolean>;
  /** `context (server)`, for messages. */
  readonly where: string;
}

/** Gone, or a kind whose CRD the cluster does not have (client-node's discovery says "Unrecognized"). */
function notFound(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  return e.code === 404 || /Unrecognized API version and kind/.test(e.message ?? '');
}

function apiError(what: string, err: unknown, where: string): WasmkubeError {
  const e = err as { code?: number; body?: unknown; message?: string; cause?: { code?: string } };
  if (/Unrecognized API version and kind/.test(e.message ?? '')) {
    return new WasmkubeError('K8S_API', `${what}: the cluster does not know this kind`, {
      cause: err,
      fix: 'install the CRD (Knative, KEDA, Gateway API, prometheus-operator, Istio, runtime-class-manager) this kind needs, or drop the setting that renders it',
    });
  }
  let detail = e.message ?? String(err);
  try {
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    if (body?.message) detail = body.message;
  } catch {}
  if (e.code === undefined) {
    return new WasmkubeError('K8S_UNREACHABLE', `cannot reach the Kubernetes API at ${where}: ${detail}`, {
      cause: err,
      fix: 'check --context and your kubeconfig (kubectl cluster-info shows the same server)',
    });
  }
  const fix =
    e.code === 403
      ? 'ask for RBAC rights to apply, list and delete these kinds in the namespace'
      : e.code === 404
        ? 'install the CRD (Knative, KEDA, Gateway API, prometheus-operator, Istio) this kind needs, or drop the setting that renders it'
        : 'fix the object or settings the API server names';
  return new WasmkubeError('K8S_API', `${what}: ${e.code} ${detail}`, { cause: err, fix });
}

export async function connect(opts: ClusterOptions = {}): Promise<Cluster> {
  // Without any config, client-node quietly falls back to http://localhost:8080: say so instead.
  const defaultConfig = join(homedir(), '.kube', 'config');
  if (
    opts.kubeconfig === undefined &&
    !process.env.KUBECONFIG &&
    !process.env.KUBERNETES_SERVICE_HOST &&
    !existsSync(defaultConfig)
  ) {
    throw new WasmkubeError(
      'K8S_UNREACHABLE',
      `no kubeconfig: KUBECONFIG is not set and ${defaultConfig} does not exist`,
      {
        fix: "point KUBECONFIG (or --kubeconfig) at your cluster's kubeconfig; `wasmkube k8s render` needs none",
      },
    );
  }
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
    if (opts.context !== undefined) kc.setCurrentContext(opts.context);
  } catch (cause) {
    throw new WasmkubeError('K8S_UNREACHABLE', `cannot load the kubeconfig: ${(cause as Error).message}`, {
      cause,
      fix: 'set KUBECONFIG or pass --kubeconfig; --context must name a context in it',
    });
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  if (context === null) {
    throw new WasmkubeError('K8S_UNREACHABLE', `kubeconfig has no context '${kc.getCurrentContext()}'`, {
      fix:
        'pass --context with one of: ' +
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', '),
    });
  }
  const where = `${context.name} (${kc.getCurrentCluster()?.server ?? 'no server'})`;
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const header = (obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>) => ({
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: obj.metadata.name,
      ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }),
    },
  });
  return {
    where,
    async apply(obj, dryRun, fieldManager = FIELD_MANAGER) {
      try {
        const out = await api.patch(
          obj as never,
          undefined,
          dryRun ? 'All' : undefined,
          fieldManager,
          true,
          k8s.PatchStrategy.ServerSideApply,
        );
        return out as unknown as KubeObject;
      } catch (err) {
        throw apiError(`apply ${describeObject(obj)}`, err, where);
      }
    },
    async read(obj) {
      try {
        return (await api.read(header(obj) as never)) as unknown as KubeObject;
      } catch (err) {
        if (notFound(err)) return undefined;
        throw apiError(`read ${describeObject(obj as KubeObject)}`, err, where);
      }
    },
    async list(apiVersion, kind, namespace, labelSelector) {
      try {
        const out = await api.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
        );
        return (out.items as unknown as KubeObject[]).map((o) => ({ ...o, apiVersion, kind }));
      } catch (err) {
        // A kind whose CRD is not installed has nothing of ours to list.
        if (notFound(err)) return [];
        throw apiError(`list ${kind}`, err, where);
      }
    },
    async delete(obj, dryRun) {
      try {
        await api.delete(
          header(obj) as never,
          undefined,
          dryRun ? 'All' : undefined,
          undefined,
          undefined,
          'Foreground',
        );
        return true;
      } catch (err) {
        if (notFound(err)) return false;
        throw apiError(`delete ${describeObject(obj)}`, err, where);
      }
    },
  };
}
