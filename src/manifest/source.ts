// Where a service's Wasm comes from: a file next to the manifest, or (later) an OCI artifact written
// `oci://host/repo:tag`. Parsing both here keeps validation and normalization in agreement.

import { WasmkubeError } from '../errors.ts';
import type { ServiceSource } from './types.ts';

const OCI_REF_RE =
  /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

/**
 * Parses a `source`: `oci://registry/repo[:tag][@sha256:…]` or a file path (kept as written).
 * @throws WasmkubeError BAD_ARGUMENT, with a fix, for an empty value, a bad OCI reference or another scheme.
 */
export function parseSource(source: string): ServiceSource {
  if (source.trim() === '') {
    throw new WasmkubeError('BAD_ARGUMENT', 'source is empty', {
      fix: 'give the path of the .wasm file, e.g. dist/service.wasm',
    });
  }
  if (source.startsWith('oci://')) {
    const ref = source.slice('oci://'.length);
    if (!OCI_REF_RE.test(ref)) {
      throw new WasmkubeError('BAD_ARGUMENT', `'${source}' is not an OCI reference`, {
        fix: 'write oci://registry/repository:tag, e.g. oci://ghcr.io/acme/orders:1.0.0 (lowercase repository)',
      });
    }
    return { kind: 'oci', ref };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(source);
  if (scheme !== null) {
    throw new WasmkubeError('BAD_ARGUMENT', `source scheme '${scheme[1]}://' is not supported`, {
      fix: 'use a file path relative to the manifest, or oci://registry/repository:tag',
    });
  }
  return { kind: 'file', path: source };
}
