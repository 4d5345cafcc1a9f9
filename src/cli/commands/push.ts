// `wasmkube push [APP] [--registry REG]`: packages the app and pushes each image (blobs first, manifest
// last), named by src/app/image-refs.ts at the registry and tag `k8s render` uses; prints each REF@DIGEST.

import { WasmkubeError } from '../../errors.ts';
import { type BlobPushResult, insecureByEnv, parseReference, pushImage } from '../../oci/index.ts';
import { progress } from '../output.ts';
import { loadAndPackage, type PackageFlags } from './package.ts';

export interface PushFlags extends PackageFlags {
  readonly chunkSize?: string;
}

export async function pushCommand(app: string | undefined, flags: PushFlags): Promise<void> {
  const chunkSize = flags.chunkSize === undefined ? undefined : Number(flags.chunkSize);
  if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize > 0)) {
    throw new WasmkubeError('BAD_ARGUMENT', `--chunk-size ${flags.chunkSize} is not a byte count`, {
      fix: 'give a positive number of bytes, e.g. --chunk-size 5242880',
    });
  }
  const { pkg, target } = await loadAndPackage(app, flags, { needRegistry: true });
  const registry = target.host!;
  // Base layers already on the target registry are mounted into the app's repository, not uploaded.
  const mountFrom = new Map<string, string>();
  if (pkg.base) {
    const base = parseReference(pkg.base.ref);
    if (base.registry === registry) {
      for (const l of pkg.base.image.layers) mountFrom.set(l.descriptor.digest, base.repository);
    }
  }
  const verbs: Record<BlobPushResult, string> = {
    uploaded: 'uploaded',
    exists: 'exists',
    mounted: 'mounted',
  };
  for (const i of pkg.images) {
    const result = await pushImage(i.name, i.image, {
      // A registry listed in WASMKUBE_INSECURE_REGISTRIES is plain HTTP here too, as for pulls.
      insecure: (flags.insecure ?? false) || insecureByEnv(registry),
      mountFrom,
      ...(chunkSize ? { chunkSize } : {}),
      onBlob: (digest, size, r) =>
        progress(`  ${i.name}: ${verbs[r]} ${digest.slice(0, 19)} (${size} bytes)`),
    });
    progress(
      `pushed ${i.name}: ${result.uploaded.blobs} blob(s) uploaded (${result.uploaded.bytes} bytes), ${result.skipped} already there, ${result.mounted} mounted`,
    );
    process.stdout.write(`${result.pinned}\n`);
  }
}
