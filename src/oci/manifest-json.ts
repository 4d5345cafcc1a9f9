// Reads image manifests and indexes from untrusted JSON (a registry's answer, a layout's files): every
// field the puller uses is checked before use, so a hostile document is an OCI error, never a crash or a
// digest that walks out of the blob store (`../`).

import { WasmkubeError } from '../errors.ts';
import { isDigest } from './digest.ts';
import type { Descriptor, ImageIndex, ImageManifest } from './types.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(what: string, why: string): WasmkubeError {
  return new WasmkubeError('OCI_UNSUPPORTED', `${what} is not a valid OCI manifest: ${why}`, {
    fix: 'push the image again with a current tool, or check the reference',
  });
}

function parseJson(data: Uint8Array, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (cause) {
    throw new WasmkubeError('OCI_UNSUPPORTED', `${what} is not JSON`, { cause, fix: 'check the reference' });
  }
  if (!isObject(value)) throw bad(what, 'it is not a JSON object');
  return value;
}

function stringMap(v: unknown, field: string, what: string): Readonly<Record<string, string>> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw bad(what, `${field} is not a map of strings`);
  return v as Record<string, string>;
}

/** A descriptor: media type, a sha256 digest, a size in bytes; annotations and platform if present. */
export function parseDescriptor(v: unknown, field: string, what: string): Descriptor {
  if (!isObject(v)) throw bad(what, `${field} is not a descriptor object`);
  if (typeof v.mediaType !== 'string') throw bad(what, `${field}.mediaType is not a string`);
  if (typeof v.digest !== 'string' || !isDigest(v.digest))
    throw bad(what, `${field}.digest is not a sha256 digest`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0)
    throw bad(what, `${field}.size is not a byte count`);
  const annotations = stringMap(v.annotations, `${field}.annotations`, what);
  let platform: Descriptor['platform'];
  if (v.platform !== undefined) {
    const p = v.platform;
    if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string')
      throw bad(what, `${field}.platform has no os and architecture`);
    if (p.variant !== undefined && typeof p.variant !== 'string')
      throw bad(what, `${field}.platform.variant is not a string`);
    platform = {
      os: p.os,
      architecture: p.architecture,
      ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
    };
  }
  if (v.artifactType !== undefined && typeof v.artifactType !== 'string')
    throw bad(what, `${field}.artifactType is not a string`);
  return {
    mediaType: v.mediaType,
    digest: v.digest,
    size: v.size,
    ...(annotations ? { annotations } : {}),
    ...(platform ? { platform } : {}),
    ...(typeof v.artifactType === 'string' ? { artifactType: v.artifactType } : {}),
  };
}

function header(v: Json, what: string, fallbackMediaType: string): string {
  if (v.schemaVersion !== 2) throw bad(what, 'schemaVersion is not 2');
  if (v.mediaType !== undefined && typeof v.mediaType !== 'string')
    throw bad(what, 'mediaType is not a string');
  return typeof v.mediaType === 'string' ? v.mediaType : fallbackMediaType;
}

/** @throws WasmkubeError OCI_UNSUPPORTED naming the field that is wrong */
export function parseImageManifest(data: Uint8Array, what: string, mediaType = ''): ImageManifest {
  const v = parseJson(data, what);
  const type = header(v, what, mediaType);
  if (!Array.isArray(v.layers)) throw bad(what, 'layers is not a list (is it an image manifest?)');
  if (v.artifactType !== undefined && typeof v.artifactType !== 'string')
    throw bad(what, 'artifactType is not a string');
  const annotations = stringMap(v.annotations, 'annotations', what);
  return {
    schemaVersion: 2,
    mediaType: type,
    ...(typeof v.artifactType === 'string' ? { artifactType: v.artifactType } : {}),
    config: parseDescriptor(v.config, 'config', what),
    layers: v.layers.map((l, i) => parseDescriptor(l, `layers[${i}]`, what)),
    ...(annotations ? { annotations } : {}),
  };
}

/** @throws WasmkubeError OCI_UNSUPPORTED naming the field that is wrong */
export function parseImageIndex(data: Uint8Array, what: string, mediaType = ''): ImageIndex {
  const v = parseJson(data, what);
  const type = header(v, what, mediaType);
  if (!Array.isArray(v.manifests)) throw bad(what, 'manifests is not a list');
  const annotations = stringMap(v.annotations, 'annotations', what);
  return {
    schemaVersion: 2,
    mediaType: type,
    manifests: v.manifests.map((m, i) => parseDescriptor(m, `manifests[${i}]`, what)),
    ...(annotations ? { annotations } : {}),
  };
}
