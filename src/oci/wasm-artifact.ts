// Builds a service's Wasm artifact: the CNCF TAG Runtime layout (a wasm config plus one application/wasm
// layer), or Spin's (locked-app config plus content layers) so SpinKube nodes can run it too.
// @see https://tag-runtime.cncf.io/wgs/wasm/deliverables/wasm-oci-artifact/

import { WasmkubeError } from '../errors.ts';
import type { AppManifest, ServiceSpec } from '../manifest/index.ts';
import { componentWorld } from './component-world.ts';
import { blobOf, canonicalJson } from './digest.ts';
import { assembleImage } from './image.ts';
import { type Image, MEDIA } from './types.ts';

export type ArtifactFormat = 'cncf' | 'spin';

export interface WasmArtifactOptions {
  /** @default 'cncf' */
  readonly format?: ArtifactFormat;
}

function isComponent(bytes: Uint8Array): boolean {
  // Layer field of the header: 0 for a core module, 1 for a component.
  return bytes.byteLength >= 8 && bytes[6] === 1 && bytes[7] === 0;
}

/**
 * The artifact of one service, from its .wasm bytes.
 * @throws WasmkubeError WASM_INVALID when the bytes are not WebAssembly
 */
export function buildWasmArtifact(
  app: AppManifest,
  service: ServiceSpec,
  wasm: Uint8Array,
  opts: WasmArtifactOptions = {},
): Image {
  if (wasm.byteLength < 8 || Buffer.from(wasm.subarray(0, 4)).toString('latin1') !== '\0asm') {
    throw new WasmkubeError('WASM_INVALID', `service '${service.name}': its source is not a .wasm file`, {
      fix: `rebuild it (wasmkube build), or point services.${service.name}.source at a .wasm file`,
    });
  }
  const component = isComponent(wasm);
  const title = { 'org.opencontainers.image.title': `${service.name}.wasm` };
  if ((opts.format ?? 'cncf') === 'spin') return spinArtifact(app, service, wasm, component);
  const layer = blobOf(MEDIA.wasmLayer, wasm, { annotations: title });
  const world = component ? componentWorld(wasm) : undefined;
  const config = {
    architecture: 'wasm',
    os: component ? 'wasip2' : 'wasip1',
    layerDigests: [layer.descriptor.digest],
    ...(component ? { component: { exports: world?.exports ?? [], imports: world?.imports ?? [] } } : {}),
  };
  return assembleImage(blobOf(MEDIA.wasmConfig, canonicalJson(config)), [layer], {
    annotations: { 'org.opencontainers.image.title': `${app.name}-${service.name}` },
  });
}

function spinArtifact(app: AppManifest, service: ServiceSpec, wasm: Uint8Array, component: boolean): Image {
  const layer = blobOf(MEDIA.spinLayer, wasm);
  const locked = {
    spin_lock_version: 1,
    metadata: { name: `${app.name}-${service.name}`, version: '0.1.0', trigger: { type: 'http' } },
    triggers: service.routes.map((r, i) => ({
      id: `trigger--${service.name}-${i}`,
      trigger_type: 'http',
      trigger_config: {
        component: service.name,
        route: r.prefix === '/' ? '/...' : `${r.prefix}/...`,
        ...(component ? {} : { executor: { type: 'wagi' } }),
      },
    })),
    components: [
      {
        id: service.name,
        source: { content_type: 'application/wasm', content: { digest: layer.descriptor.digest } },
        env: service.env,
        metadata: { allowed_outbound_hosts: service.allowedOutboundHosts },
      },
    ],
  };
  return assembleImage(blobOf(MEDIA.spinConfig, canonicalJson(locked)), [layer]);
}
