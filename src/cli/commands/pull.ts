// `wasmkube pull REF`: pulls an image or Wasm artifact (every blob verified) into an OCI layout folder;
// a Wasm artifact's module is also written as NAME.wasm next to it, ready for `wasmkube up --from`.

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatReference, MEDIA, parseReference, pullImage, writeLayoutDir } from '../../oci/index.ts';
import { progress } from '../output.ts';

export interface PullFlags {
  readonly out?: string;
  readonly platform?: string;
  readonly insecure?: boolean;
}

export async function pullCommand(reference: string, flags: PullFlags): Promise<void> {
  const ref = parseReference(reference);
  const short = ref.repository.split('/').at(-1)!;
  const out = resolve(flags.out ?? short);
  const pulled = await pullImage(reference, {
    insecure: flags.insecure ?? false,
    ...(flags.platform ? { platform: flags.platform } : {}),
    onBlob: (digest, size) => progress(`pulling ${digest.slice(0, 19)} (${size} bytes)`),
  });
  const { digest: _, ...byName } = ref;
  const name = formatReference(byName);
  await writeLayoutDir(out, [{ name, image: pulled.image }]);
  const wasm = pulled.image.layers.filter(
    (l) => l.descriptor.mediaType === MEDIA.wasmLayer || l.descriptor.mediaType === MEDIA.spinLayer,
  );
  if (wasm.length === 1) {
    await writeFile(join(out, `${short}.wasm`), wasm[0]!.data);
    progress(`wrote ${join(out, `${short}.wasm`)}`);
  }
  progress(`wrote OCI layout ${out}`);
  process.stdout.write(`${name}@${pulled.digest}\n`);
}
