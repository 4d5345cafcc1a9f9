// Image references as users write them (`127.0.0.1:5000/acme/shop:1.0`, `oci://…`, `…@sha256:…`), parsed
// into registry, repository and tag or digest, with Docker Hub's short names expanded as docker does.

import { WasmkubeError } from '../errors.ts';
import { isDigest } from './digest.ts';

export interface Reference {
  /** `host[:port]`; Docker Hub is `registry-1.docker.io`. */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

const fix =
  'write REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST], e.g. 127.0.0.1:5000/acme/shop:1.0 (repository in lowercase)';

/** @throws WasmkubeError OCI_REFERENCE, naming the part that is wrong */
export function parseReference(input: string): Reference {
  const text = input.startsWith('oci://') ? input.slice('oci://'.length) : input;
  const bad = (why: string) =>
    new WasmkubeError('OCI_REFERENCE', `'${input}' is not an image reference: ${why}`, { fix });
  if (text === '') throw bad('it is empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw bad(`'${digest}' is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`'${tag}' is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = 'registry-1.docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first === 'docker.io' || first === 'index.docker.io' ? registry : first;
    parts.shift();
    if (!HOST.test(first)) throw bad(`'${first}' is not a registry host`);
    // docker.io/nginx is Docker Hub's library/nginx, as with no registry at all.
    if (registry === 'registry-1.docker.io' && parts.length === 1) parts.unshift('library');
  } else if (parts.length === 1) parts.unshift('library');
  for (const p of parts) {
    if (!REPO_COMPONENT.test(p))
      throw bad(`repository part '${p}' must be lowercase letters, digits and . _ -`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return {
    registry,
    repository: parts.join('/'),
    ...(tag === undefined ? {} : { tag }),
    ...(digest ? { digest } : {}),
  };
}

/** The digest if there is one (it pins the content), else the tag. */
export function referenceTarget(ref: Reference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
