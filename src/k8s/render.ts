// `wasmkube k8s render` as a library function: render, validate every object, and lay out the chosen
// format (a YAML stream, a kustomize base plus overlays, or a helm chart) as files in memory.

import { WasmkubeError } from '../errors.ts';
import type { AppManifest } from '../manifest/index.ts';
import { HELM_NAMESPACE, helmFiles } from './formats/helm.ts';
import { kustomizeFiles } from './formats/kustomize.ts';
import { renderObjects } from './render/app.ts';
import { type RenderOptions, renderContext } from './render/context.ts';
import { type RenderWarning, renderWarnings } from './render/warnings.ts';
import type { KubeObject } from './types.ts';
import { validateObjects } from './validate.ts';
import { checkWasmModes } from './wasm-mode.ts';
import { toYamlStream } from './yaml.ts';

export const OUTPUT_FORMATS = ['yaml', 'kustomize', 'helm'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RenderResult {
  /** The objects of the base, or of `env` when given, in apply order. */
  readonly objects: readonly KubeObject[];
  /** Relative path → text: `APP.yaml`, a kustomize tree, or a chart. */
  readonly files: Readonly<Record<string, string>>;
  /** Settings that render but will not run well (a host pod's memory limit under 256Mi); the CLI prints them. */
  readonly warnings: readonly RenderWarning[];
}

export interface RenderManifestsOptions extends RenderOptions {
  /** @default 'yaml' */
  readonly format?: OutputFormat;
}

/**
 * Renders and validates an app in one format.
 * @throws WasmkubeError K8S_INVALID when an object breaks its schema; BAD_ARGUMENT for bad options;
 *   MANIFEST_INVALID for a WAGI module in mode: wasm
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
  const ctx = renderContext(app, opts);
  await checkWasmModes(app);
  const objects = renderObjects(ctx);
  await validateObjects(objects);
  const warnings = renderWarnings(ctx, opts.env);
  if (format === 'yaml') {
    return {
      objects,
      warnings,
      files: { [`${app.name}${opts.env === undefined ? '' : `-${opts.env}`}.yaml`]: toYamlStream(objects) },
    };
  }
  if (format === 'helm') {
    const chart = renderContext(app, { ...opts, namespace: HELM_NAMESPACE });
    const values = { registry: chart.registry.replace(/\/+$/, ''), tag: chart.tag };
    return { objects, warnings, files: helmFiles(app.name, ctx.tag, renderObjects(chart), values) };
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
  const all = [...warnings];
  for (const env of Object.keys(app.kubernetes?.environments ?? {})) {
    const envCtx = renderContext(app, { ...base, env });
    environments[env] = renderObjects(envCtx);
    await validateObjects(environments[env] as KubeObject[]);
    // What the base already warns about, the environment does not repeat.
    const seen = new Set(warnings.map((w) => w.message));
    all.push(...renderWarnings(envCtx, env).filter((w) => !seen.has(w.message)));
  }
  return { objects, warnings: all, files: kustomizeFiles(objects, environments) };
}
