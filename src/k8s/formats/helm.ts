// `--format helm`: a chart whose templates are the rendered objects, one file each, as literal YAML
// (`{{` escaped) except the image references (`.Values.image.registry`, `.Values.image.tag`) and the
// namespace (`.Release.Namespace`). The Namespace object stays out: `helm uninstall` must not delete it
// (and every PVC in it). With the default values, `helm template -n NS` prints the rendered documents.
// @see https://helm.sh/docs/topics/charts/

import type { KubeObject } from '../types.ts';
import { toYamlDocument } from '../yaml.ts';

/**
 * The namespace the chart's objects are rendered in, replaced by `{{ .Release.Namespace }}` in the
 * templates: a valid name (the objects are validated with it) that no manifest value contains.
 */
export const HELM_NAMESPACE = 'wasmkube-helm-release-namespace';

/** Helm parses templates as Go templates: a literal `{{` must be written `{{ "{{" }}`. */
export function escapeTemplate(text: string): string {
  return text.replaceAll('{{', '{{ "{{" }}');
}

export interface HelmValues {
  /** Registry of the images, the default of `.Values.image.registry`. */
  readonly registry: string;
  /** The default of `.Values.image.tag`. */
  readonly tag: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One object as a template: escaped, then every `image:` at the registry made
 * `{{ .Values.image.registry }}/REPO:TAG`, its tag `{{ .Values.image.tag }}` when it is the render's
 * (a canary's own tag stays literal), and the namespace `{{ .Release.Namespace }}`.
 */
function template(obj: KubeObject, values: HelmValues): string {
  const image = new RegExp(`^(\\s*(?:- )?image: )${escapeRegExp(values.registry)}/(\\S+)$`, 'gm');
  const tail = `:${values.tag}`;
  return escapeTemplate(toYamlDocument(obj))
    .replace(image, (_line, head: string, rest: string) => {
      const repo = rest.endsWith(tail) ? `${rest.slice(0, -tail.length)}:{{ .Values.image.tag }}` : rest;
      return `${head}{{ .Values.image.registry }}/${repo}`;
    })
    .replaceAll(HELM_NAMESPACE, '{{ .Release.Namespace }}');
}

/**
 * Files (path → text) of a chart named after the app.
 * @param objects the app rendered in HELM_NAMESPACE; a Namespace object among them is left out
 */
export function helmFiles(
  app: string,
  version: string,
  objects: readonly KubeObject[],
  values: HelmValues,
): Record<string, string> {
  const semver = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version) ? version.replace(/^v/, '') : '0.0.0';
  const files: Record<string, string> = {
    'Chart.yaml': toYamlDocument({
      apiVersion: 'v2',
      appVersion: version,
      description: `${app}, rendered by wasmkube k8s render`,
      name: app,
      type: 'application',
      version: semver,
    }),
    'values.yaml': [
      '# Images of the app: REGISTRY/APP (the wasmkube host) and REGISTRY/APP-SERVICE (Wasm artifacts).',
      '# The namespace is the release namespace: helm install -n NAMESPACE --create-namespace, then',
      '# label it pod-security.kubernetes.io/enforce=restricted as `wasmkube k8s render` does.',
      toYamlDocument({ image: { registry: values.registry, tag: values.tag } }),
    ].join('\n'),
  };
  const kept = objects.filter((o) => !(o.apiVersion === 'v1' && o.kind === 'Namespace'));
  const width = String(kept.length).length;
  kept.forEach((obj, i) => {
    const name = `${String(i + 1).padStart(width, '0')}-${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
    files[`templates/${name}`] = template(obj, values);
  });
  return files;
}
