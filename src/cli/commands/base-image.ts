// `wasmkube base-image`: a Node.js 24 base image from this machine's own Node, written as an OCI layout
// (and/or a tarball) or pushed, for `package --kind container --base …` without Docker Hub.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  buildNodeBaseImage,
  layoutTar,
  parseReference,
  plainHttpAllowed,
  pushImage,
  writeLayoutDir,
} from '../../oci/index.ts';
import { progress } from '../output.ts';

export interface BaseImageFlags {
  readonly out?: string;
  readonly tar?: string;
  readonly push?: string;
  readonly insecure?: boolean;
}

export async function baseImage(flags: BaseImageFlags): Promise<void> {
  progress(`building a Node.js ${process.versions.node} base image from ${process.execPath}`);
  const image = await buildNodeBaseImage({ gzipLevel: 1 });
  const digest = image.manifest.descriptor.digest;
  const named = [{ name: 'node:24', image }];
  const out = flags.out ?? (flags.tar || flags.push ? undefined : 'node-base');
  if (out) {
    await writeLayoutDir(resolve(out), named);
    progress(`wrote OCI layout ${resolve(out)}: package with --base ${out}`);
    process.stdout.write(`${resolve(out)}@${digest}\n`);
  }
  if (flags.tar) {
    await writeFile(resolve(flags.tar), await layoutTar(named));
    progress(`wrote ${resolve(flags.tar)}: package with --base ${flags.tar}`);
    process.stdout.write(`${resolve(flags.tar)}@${digest}\n`);
  }
  if (flags.push) {
    const ref = parseReference(flags.push);
    const pushed = await pushImage(flags.push, image, {
      insecure: plainHttpAllowed(ref.registry, { insecure: flags.insecure ?? false, registry: ref.registry }),
    });
    progress(`pushed ${flags.push}: package with --base ${flags.push}`);
    process.stdout.write(`${pushed.pinned}\n`);
  }
}
