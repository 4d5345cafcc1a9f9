// Content digests: every blob is named by the sha256 of its bytes, and every byte read back is checked
// against the name it was asked for.

import { createHash } from 'node:crypto';
import { WasmkubeError } from '../errors.ts';
import type { Blob, Descriptor } from './types.ts';

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A blob and its descriptor, from bytes. */
export function blobOf(
  mediaType: string,
  data: Uint8Array,
  extra: Partial<Pick<Descriptor, 'annotations' | 'platform' | 'artifactType'>> = {},
): Blob {
  return { descriptor: { mediaType, digest: sha256(data), size: data.byteLength, ...extra }, data };
}

/** JSON with sorted keys and no whitespace: the same document always gives the same digest. */
export function canonicalJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(sortKeys(value)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/**
 * @throws WasmkubeError OCI_DIGEST when the bytes are not the ones the digest names
 * @param what where they came from, for the message
 */
export function verifyDigest(data: Uint8Array, expected: string, what: string): void {
  if (!isDigest(expected)) {
    throw new WasmkubeError('OCI_UNSUPPORTED', `${what}: digest ${expected} is not a sha256 digest`, {
      fix: 'wasmkube verifies sha256 digests only; push the image with a sha256 digest',
    });
  }
  const actual = sha256(data);
  if (actual !== expected) {
    throw new WasmkubeError(
      'OCI_DIGEST',
      `${what}: content does not match its digest (expected ${expected}, got ${actual})`,
      {
        fix: 'the registry returned corrupt or tampered data: push the image again, or check the registry storage',
      },
    );
  }
}
