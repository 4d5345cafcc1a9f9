// `--format kustomize`: a base (the app without environment) and one overlay per environment whose JSON
// patches, deletions and extra resources turn the base into exactly what `--env NAME` renders.
// @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/

import type { KubeObject } from '../types.ts';
import { toYamlDocument, toYamlStream } from '../yaml.ts';
import { diff } from './json-patch.ts';

/** Matches base and environment objects by kind and name: an environment may move the namespace. */
function identity(obj: KubeObject): string {
  return `${obj.apiVersion} ${obj.kind} ${obj.metadata.name}`;
}

function target(obj: KubeObject) {
  const slash = obj.apiVersion.indexOf('/');
  return {
    ...(slash < 0 ? {} : { group: obj.apiVersion.slice(0, slash) }),
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }),
    version: obj.apiVersion.slice(slash + 1),
  };
}

const KUSTOMIZATION = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };

/** Files (path → text) of a kustomize base and overlays. */
export function kustomizeFiles(
  base: readonly KubeObject[],
  environments: Readonly<Record<string, readonly KubeObject[]>>,
): Record<string, string> {
  const files: Record<string, string> = {
    'base/kustomization.yaml': toYamlDocument({ ...KUSTOMIZATION, resources: ['resources.yaml'] }),
    'base/resources.yaml': toYamlStream(base),
  };
  for (const env of Object.keys(environments).sort()) {
    const wanted = environments[env] as readonly KubeObject[];
    const byId = new Map(base.map((o) => [identity(o), o]));
    const patches: { patch: string; target?: ReturnType<typeof target> }[] = [];
    const added: KubeObject[] = [];
    for (const obj of wanted) {
      const from = byId.get(identity(obj));
      byId.delete(identity(obj));
      if (from === undefined) added.push(obj);
      else {
        const ops = diff(from, obj);
        if (ops.length > 0) patches.push({ patch: JSON.stringify(ops), target: target(from) });
      }
    }
    for (const gone of byId.values()) {
      const { apiVersion, kind, metadata } = gone;
      const id = {
        name: metadata.name,
        ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
      };
      patches.push({ patch: toYamlDocument({ $patch: 'delete', apiVersion, kind, metadata: id }) });
    }
    files[`overlays/${env}/kustomization.yaml`] = toYamlDocument({
      ...KUSTOMIZATION,
      ...(patches.length === 0 ? {} : { patches }),
      resources: ['../../base', ...(added.length === 0 ? [] : ['resources.yaml'])],
    });
    if (added.length > 0) files[`overlays/${env}/resources.yaml`] = toYamlStream(added);
  }
  return files;
}
