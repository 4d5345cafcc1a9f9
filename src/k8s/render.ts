// `wasmkube k8s render` as a library function: render, validate every object, and lay out the chosen
// format (a YAML stream, a kustomize base plus overlays, or a helm chart) as files in memory.

import { WasmkubeError } from '../errors.ts';
import type { AppManifest } from '../manifest/index.ts';
import { helmFiles } from './formats/helm.ts';
import { kustomizeFiles } from './formats/kustomize.ts';
import { renderApp } from './render/app.ts';
import type { RenderOptions } from './render/context.ts';
import type { KubeObject } from './types.ts';
import { validateObjects } from './validate.ts';
import { toYamlStream } from './yaml.ts';

export const OUTPUT_FORMATS = ['yaml', 'kustomize', 'helm'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RenderResult {
  /** The objects of the base, or of `env` when given, in apply order. */
  readonly objects: readonly KubeObject[];
  /** Relative path → text: `APP.yaml`, a kustomize tree, or a chart. */
  readonly files: Readonly<Record<string, string>>;
}

export interface RenderManifestsOptions extends RenderOptions {
  /** @default 'yaml' */
  readonly format?: OutputFormat;
}

/**
 * Renders and validates an app in one format.
 * @throws WasmkubeError K8S_INVALID when an object breaks its schema; BAD_ARGUMENT for bad options
 */
export async function renderManifests(
  app: AppManifest,
  opts: RenderManifestsOptions = {},
): Promise<RenderResult> {
  const format = opts.format ?? 'yaml';
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new WasmkubeError('BAD_ARGUMENT', `unknown format '${format}'`, {
      fix: `use one of: ${OUTPUT_FORMATS.join(', ')}`,
    });
  }
  const objects = renderApp(app, opts);
  await validateObjects(objects);
  if (format === 'yaml') {
    return {
      objects,
      files: { [`${app.name}${opts.env === undefined ? '' : `-${opts.env}`}.yaml`]: toYamlStream(objects) },
    };
  }
  if (format === 'helm') {
    return { objects, files: helmFiles(app.name, opts.tag ?? app.kubernetes?.tag ?? 'latest', objects) };
  }
  if (opts.env !== undefined) {
    throw new WasmkubeError(
      'BAD_ARGUMENT',
      '--format kustomize writes every environment as an overlay; --env does not apply',
      {
        fix: 'drop --env, then use overlays/NAME',
      },
    );
  }
  const { env: _env, ...base } = opts;
  const environments: Record<string, readonly KubeObject[]> = {};
  for (const env of Object.keys(app.kubernetes?.environments ?? {})) {
    environments[env] = renderApp(app, { ...base, env });
    await validateObjects(environments[env] as KubeObject[]);
  }
  return { objects, files: kustomizeFiles(objects, environments) };
}
