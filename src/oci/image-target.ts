// Where `package` and `push` name an app's images: registry and tag from the flags, else from the
// manifest's `kubernetes` block (the environment's with --env), as `k8s render` reads them, so the
// references pushed are the ones the rendered Deployments pull.

import { WasmkubeError } from '../errors.ts';
import type { AppManifest } from '../manifest/index.ts';
import { parseReference } from './reference.ts';

export interface ImageTargetOptions {
  /** `REGISTRY[:PORT][/NAMESPACE]`; overrides `kubernetes.registry`. */
  readonly registry?: string;
  /** Overrides `kubernetes.tag`. @default 'latest' */
  readonly tag?: string;
  /** An environment of `kubernetes.environments` whose registry and tag apply, as `k8s render --env`. */
  readonly env?: string;
}

export interface ImageTarget {
  /** `host[:port]/namespace` without a trailing slash; absent when neither flag nor manifest names one. */
  readonly registry?: string;
  /** The registry host alone (`registry-1.docker.io` for Docker Hub namespaces). */
  readonly host?: string;
  readonly tag: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Checks a registry-and-namespace value (`ghcr.io/acme`, `127.0.0.1:5000/acme`) and returns it without a
 * trailing slash, with its host. `field` names where it came from (`--registry`, `kubernetes.registry`).
 * @throws WasmkubeError BAD_ARGUMENT naming the field, what is wrong, and the value to write instead
 */
export function parseRegistry(value: string, field = '--registry'): { registry: string; host: string } {
  const problems: string[] = [];
  let text = value.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (scheme) {
    problems.push(`it has a scheme (${scheme[1]}://), which a registry name has not`);
    text = text.slice(scheme[0].length);
  }
  text = text.replace(/\/+$/, '');
  const [host = '', ...rest] = text.split('/');
  const lower = [host.toLowerCase(), ...rest.map((p) => p.toLowerCase())].join('/');
  if (rest.some((p) => p !== p.toLowerCase()) || (!/[.:]/.test(host) && host !== host.toLowerCase())) {
    problems.push('a repository namespace must be lowercase');
  }
  if (/[@]/.test(text) || (rest.length > 0 && rest.at(-1)!.includes(':'))) {
    problems.push('it holds a tag or digest (give the tag with --tag)');
  }
  const suggestion = lower.replace(/[@].*$/, '').replace(/:[^/]*$/, (m) => (rest.length > 0 ? '' : m));
  const fail = (why: string) =>
    new WasmkubeError('BAD_ARGUMENT', `${field} ${value} is not a registry and namespace: ${why}`, {
      fix: `write ${field === '--registry' ? '--registry ' : `${field}: `}${suggestion || 'ghcr.io/acme'} (REGISTRY[:PORT]/NAMESPACE: no scheme, lowercase repository${field === '--registry' ? '; --insecure for plain HTTP' : ''})`,
    });
  if (text === '') throw fail('it is empty');
  if (problems.length > 0) throw fail(problems.join('; '));
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(`${text}/x`);
  } catch (cause) {
    const why = isError(cause) ? cause.message.replace(/^'[^']*' is not an image reference: /, '') : '';
    throw fail(why || 'it does not parse');
  }
  return { registry: text, host: ref.registry };
}

function isError(e: unknown): e is Error {
  return e instanceof Error;
}

/**
 * Registry and tag for the app's images: the options, else `kubernetes.registry`/`kubernetes.tag`
 * (of `kubernetes.environments.ENV` with `env`), else no registry and tag `latest`.
 * @throws WasmkubeError BAD_ARGUMENT for an unknown environment, a bad registry or tag
 */
export function imageTarget(app: AppManifest, opts: ImageTargetOptions = {}): ImageTarget {
  const k8s = app.kubernetes ?? {};
  let settings: { registry?: string; tag?: string } = k8s;
  if (opts.env !== undefined) {
    const env = k8s.environments?.[opts.env];
    if (env === undefined) {
      const known = Object.keys(k8s.environments ?? {});
      throw new WasmkubeError('BAD_ARGUMENT', `--env ${opts.env}: app ${app.name} has no such environment`, {
        fix:
          known.length === 0
            ? `add kubernetes.environments.${opts.env} to wasmkube.yaml, or drop --env`
            : `use one of: ${known.join(', ')}`,
      });
    }
    settings = env.settings;
  }
  const tag = opts.tag ?? settings.tag ?? 'latest';
  if (!TAG.test(tag)) {
    throw new WasmkubeError(
      'BAD_ARGUMENT',
      `${opts.tag === undefined ? 'kubernetes.tag' : '--tag'} ${tag} is not an image tag`,
      {
        fix: 'use letters, digits, _ . - (at most 128, not starting with . or -), e.g. 1.0.0',
      },
    );
  }
  const raw = opts.registry ?? settings.registry;
  if (raw === undefined) return { tag };
  const field =
    opts.registry !== undefined
      ? '--registry'
      : opts.env !== undefined
        ? `kubernetes.environments.${opts.env}.registry`
        : 'kubernetes.registry';
  return { ...parseRegistry(raw, field), tag };
}
