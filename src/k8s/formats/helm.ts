// `--format helm`: a chart whose templates are the rendered objects, one file each, as literal YAML
// (`{{` escaped), so `helm template` prints exactly the rendered documents; values.yaml stays empty.
// @see https://helm.sh/docs/topics/charts/

import type { KubeObject } from '../types.ts';
import { toYamlDocument } from '../yaml.ts';

/** Helm parses templates as Go templates: a literal `{{` must be written `{{ "{{" }}`. */
export function escapeTemplate(text: string): string {
  return text.replaceAll('{{', '{{ "{{" }}');
}

/** Files (path → text) of a chart named after the app. */
export function helmFiles(
  app: string,
  version: string,
  objects: readonly KubeObject[],
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
    'values.yaml': '{}\n',
  };
  const width = String(objects.length).length;
  objects.forEach((obj, i) => {
    const name = `${String(i + 1).padStart(width, '0')}-${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
    files[`templates/${name}`] = escapeTemplate(toYamlDocument(obj));
  });
  return files;
}
