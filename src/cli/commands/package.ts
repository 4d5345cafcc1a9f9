// `wasmkube package [APP]`: builds the app's Wasm artifacts and/or container image and writes them as an
// OCI image layout folder and/or tarball (and, with --dockerfile, an equivalent Docker build context).

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { buildServices } from '../../app/build-services.ts';
import { WasmkubeError } from '../../errors.ts';
import { loadManifest } from '../../manifest/index.ts';
import {
  type ArtifactFormat,
  DEFAULT_BASE,
  type ImageKind,
  type ImageTarget,
  imageSize,
  imageTarget,
  layoutTar,
  type PackagedApp,
  packageApp,
  parseRegistry,
  writeDockerContext,
  writeLayoutDir,
} from '../../oci/index.ts';
import { plainProgress } from '../build-progress.ts';
import { progress } from '../output.ts';

export interface PackageFlags {
  readonly kind?: string;
  readonly out?: string;
  readonly tar?: string;
  readonly base?: string;
  readonly platform?: string;
  readonly format?: string;
  readonly dockerfile?: boolean;
  readonly registry?: string;
  readonly tag?: string;
  readonly env?: string;
  readonly insecure?: boolean;
}

export function parseKind(kind: string | undefined): ImageKind {
  const k = kind ?? 'all';
  if (k !== 'wasm' && k !== 'container' && k !== 'all') {
    throw new WasmkubeError('BAD_ARGUMENT', `--kind ${kind} is not an image kind`, {
      fix: 'use --kind wasm (one Wasm artifact per service), container (one image for the app) or all',
    });
  }
  return k;
}

export function parseFormat(format: string | undefined): ArtifactFormat {
  const f = format ?? 'cncf';
  if (f !== 'cncf' && f !== 'spin') {
    throw new WasmkubeError('BAD_ARGUMENT', `--format ${format} is not an artifact format`, {
      fix: 'use --format cncf (CNCF TAG Runtime Wasm OCI artifact, runwasi) or --format spin (SpinKube)',
    });
  }
  return f;
}

/**
 * Loads the app, resolves where its images go (flags, else the manifest's kubernetes.registry/tag, as
 * `k8s render` does), builds missing .wasm files, and packages it: shared by `package` and `push`.
 */
export async function loadAndPackage(
  app: string | undefined,
  flags: PackageFlags,
  opts: { readonly needRegistry?: boolean } = {},
): Promise<{ pkg: PackagedApp; target: ImageTarget }> {
  const kind = parseKind(flags.kind);
  const format = parseFormat(flags.format);
  // A bad --registry fails here, before anything is loaded, built or packaged.
  if (flags.registry !== undefined) parseRegistry(flags.registry);
  const loaded = await loadManifest(app ?? '.');
  const target = imageTarget(loaded.app, {
    ...(flags.registry === undefined ? {} : { registry: flags.registry }),
    ...(flags.tag === undefined ? {} : { tag: flags.tag }),
    ...(flags.env === undefined ? {} : { env: flags.env }),
  });
  if (opts.needRegistry && !target.registry) {
    throw new WasmkubeError('BAD_ARGUMENT', `push needs a registry for app ${loaded.app.name}`, {
      fix: `pass --registry (e.g. --registry ghcr.io/acme, or 127.0.0.1:5000/acme --insecure), or set kubernetes.registry in ${loaded.file}`,
    });
  }
  await buildServices(loaded.app, {
    onProgress: plainProgress((line) => progress(line.trimEnd())).onProgress,
  });
  const pkg = await packageApp(loaded, {
    kind,
    format,
    ...(flags.base ? { base: flags.base } : {}),
    ...(flags.platform ? { platform: flags.platform } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
    ...(target.registry ? { registry: target.registry } : {}),
    tag: target.tag,
    onProgress: progress,
  });
  return { pkg, target };
}

export async function packageCommand(app: string | undefined, flags: PackageFlags): Promise<void> {
  if (flags.dockerfile && parseKind(flags.kind) === 'wasm') {
    throw new WasmkubeError('BAD_ARGUMENT', '--dockerfile writes the container image as a Dockerfile', {
      fix: 'drop --kind wasm (or use --kind container)',
    });
  }
  const { pkg } = await loadAndPackage(app, flags);
  const named = pkg.images.map((i) => ({ name: i.name, image: i.image }));
  const out = flags.out ?? (flags.tar ? undefined : 'oci');
  if (out) {
    await writeLayoutDir(resolve(out), named);
    progress(`wrote OCI layout ${out}`);
  }
  if (flags.tar) {
    await mkdir(dirname(resolve(flags.tar)), { recursive: true });
    await writeFile(resolve(flags.tar), await layoutTar(named));
    progress(`wrote OCI layout tarball ${flags.tar}`);
  }
  if (flags.dockerfile) {
    const dir = join(out ?? dirname(flags.tar!), 'docker');
    await writeDockerContext(dir, pkg, flags.base ?? DEFAULT_BASE);
    progress(`wrote ${join(dir, 'Dockerfile')} and its build context (docker build ${dir})`);
  }
  // stdout: one line per image, `name@digest size`, for scripts.
  for (const i of pkg.images) {
    process.stdout.write(
      `${i.name}@${i.image.manifest.descriptor.digest} ${i.kind} ${imageSize(i.image)} bytes\n`,
    );
  }
}
