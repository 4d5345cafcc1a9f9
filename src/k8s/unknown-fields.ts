// Unknown fields in built-in kinds (a typo such as `imagePullPolcy` in a podTemplate sidecar): the
// kubernetes-models schemas allow them, and @kubernetes/client-node would silently drop them on apply.
// Its serializer knows every field, so what it drops is what Kubernetes would not understand.

import { describeObject, type KubeObject } from './types.ts';
import type { ValidationProblem } from './validate.ts';

/** API groups whose kinds client-node's serializer models; custom resources pass through it whole. */
const BUILT_IN = /^(v1|(apps|autoscaling|policy|batch|[a-z0-9.-]*\.k8s\.io)\/v[0-9a-z]+)$/;

/** JSON pointers of the fields of `original` that `kept` no longer has. Pure. */
export function droppedFields(original: unknown, kept: unknown, path = ''): string[] {
  if (original === null || typeof original !== 'object') return [];
  if (kept === null || typeof kept !== 'object') return [];
  const out: string[] = [];
  if (Array.isArray(original)) {
    original.forEach((item, i) => {
      out.push(...droppedFields(item, (kept as unknown[])[i], `${path}/${i}`));
    });
    return out;
  }
  for (const [key, value] of Object.entries(original)) {
    const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (value === undefined) continue;
    if (!(key in (kept as Record<string, unknown>))) out.push(at);
    else out.push(...droppedFields(value, (kept as Record<string, unknown>)[key], at));
  }
  return out;
}

/** `apps/v1` + `Deployment` → `V1Deployment`, client-node's model name. */
export function modelName(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const version = obj.apiVersion.slice(obj.apiVersion.indexOf('/') + 1);
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${obj.kind}`;
}

export async function unknownFieldProblems(objects: readonly KubeObject[]): Promise<ValidationProblem[]> {
  const builtIn = objects.filter((o) => BUILT_IN.test(o.apiVersion));
  if (builtIn.length === 0) return [];
  // The serializer module alone, not client-node's index: a fraction of its import time.
  const { ObjectSerializer } = (await import('@kubernetes/client-node/dist/serializer.js')) as unknown as {
    ObjectSerializer: { serialize(data: unknown, type: string): unknown };
  };
  return builtIn.flatMap((obj) =>
    droppedFields(obj, ObjectSerializer.serialize(obj, modelName(obj))).map((path) => ({
      object: describeObject(obj),
      path,
      message: `has unknown field '${path.slice(path.lastIndexOf('/') + 1)}'`,
    })),
  );
}
