// What every renderer reads besides its service: the app with the chosen environment merged in, the
// namespace, and the image references of src/app/image-refs.ts. Built once per render.

import { appImageRefs } from '../../app/image-refs.ts';
import { WasmkubeError } from '../../errors.ts';
import {
  type AppKubernetesSettings,
  type AppManifest,
  isDnsLabel,
  REGISTRY_FIX,
  REGISTRY_PATTERN,
  type ServiceSpec,
  TAG_FIX,
  TAG_PATTERN,
} from '../../manifest/index.ts';

export interface RenderOptions {
  /** Registry and namespace of the images, e.g. `ghcr.io/acme`; overrides `kubernetes.registry`. */
  readonly registry?: string;
  /** Image tag; overrides `kubernetes.tag`. @default 'latest' */
  readonly tag?: string;
  /** An environment of `kubernetes.environments` to merge over the base. */
  readonly env?: string;
  /** Namespace of every object; overrides `kubernetes.namespace`. @default the app name */
  readonly namespace?: string;
  /** Where variable values come from at render time (WASMKUBE_VAR_NAME). @default process.env */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

export interface RenderContext {
  /** The app, each service's `kubernetes` already merged with the environment's. */
  readonly app: AppManifest;
  readonly settings: AppKubernetesSettings;
  readonly namespace: string;
  readonly registry: string;
  readonly tag: string;
  /** `app.kubernetes.io/version`: the tag, cut to a valid label value. */
  readonly version: string;
  /** The wasmkube container image (host + whole app). */
  readonly containerImage: string;
  /** Wasm artifact per service. */
  readonly wasmImages: Readonly<Record<string, string>>;
  /** The port the host (or the Wasm shim) listens on in every pod. */
  readonly port: number;
  /** Render-time environment: the values of variables (see render/variables.ts). */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

export const POD_PORT = 8080;
/** A registry for renders whose image references nobody reads (status, delete). */
export const IMAGES_UNUSED = 'images.invalid';

/**
 * Checks the overrides as the manifest's own fields are checked; each maps to the flag of the same name.
 * @throws WasmkubeError BAD_ARGUMENT naming the flag and a fix
 */
export function checkRenderOptions(opts: RenderOptions): void {
  const bad = (flag: string, value: string, what: string, fix: string) =>
    new WasmkubeError('BAD_ARGUMENT', `--${flag} '${value}' is not ${what}`, { fix });
  if (opts.registry !== undefined && !new RegExp(REGISTRY_PATTERN).test(opts.registry)) {
    throw bad('registry', opts.registry, 'a registry', REGISTRY_FIX);
  }
  if (opts.tag !== undefined && !new RegExp(TAG_PATTERN).test(opts.tag)) {
    throw bad('tag', opts.tag, 'an image tag', `${TAG_FIX} (letters, digits, '_', '.', '-'; at most 128)`);
  }
  if (opts.namespace !== undefined && !isDnsLabel(opts.namespace)) {
    throw bad(
      'namespace',
      opts.namespace,
      'a namespace name',
      "use lowercase letters, digits and '-' (at most 63), e.g. --namespace shop",
    );
  }
}

export function renderContext(app: AppManifest, opts: RenderOptions = {}): RenderContext {
  checkRenderOptions(opts);
  const k8s = app.kubernetes ?? {};
  let settings: AppKubernetesSettings = k8s;
  let services: readonly ServiceSpec[] = app.services;
  if (opts.env !== undefined) {
    const env = k8s.environments?.[opts.env];
    if (env === undefined) {
      const known = Object.keys(k8s.environments ?? {});
      throw new WasmkubeError('BAD_ARGUMENT', `app ${app.name} has no environment '${opts.env}'`, {
        fix:
          known.length === 0
            ? `add kubernetes.environments.${opts.env} to wasmkube.yaml, or drop --env`
            : `use one of: ${known.join(', ')}`,
      });
    }
    settings = env.settings;
    services = app.services.map((s) => ({ ...s, kubernetes: env.services[s.name] ?? s.kubernetes }));
  }
  const registry = opts.registry ?? settings.registry;
  if (registry === undefined) {
    throw new WasmkubeError('BAD_ARGUMENT', `no image registry for app ${app.name}`, {
      fix: 'pass --registry (e.g. --registry ghcr.io/acme), or set kubernetes.registry in wasmkube.yaml',
    });
  }
  const tag = opts.tag ?? settings.tag ?? 'latest';
  const merged: AppManifest = { ...app, services };
  const refs = appImageRefs(merged, { registry, tag });
  return {
    app: merged,
    settings,
    namespace: opts.namespace ?? settings.namespace ?? app.name,
    registry,
    tag,
    version: labelValue(tag),
    containerImage: refs.container,
    wasmImages: refs.wasm,
    port: POD_PORT,
    environment: opts.environment ?? process.env,
  };
}

/** Image references of a service at another tag (a canary). */
export function imageAt(ctx: RenderContext, service: ServiceSpec, tag: string): string {
  const refs = appImageRefs(ctx.app, { registry: ctx.registry, tag });
  return service.kubernetes.mode === 'wasm' ? (refs.wasm[service.name] as string) : refs.container;
}

/** A label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
