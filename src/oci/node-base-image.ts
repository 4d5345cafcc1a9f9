// A Node.js 24 base image made offline from this machine's own Node: its binary, the shared libraries
// `ldd` lists and a non-root user, so `package --kind container` needs no Docker Hub (`wasmkube base-image`).

import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { WasmkubeError } from '../errors.ts';
import { blobOf, canonicalJson, sha256 } from './digest.ts';
import { assembleImage } from './image.ts';
import { deterministicGzip, deterministicTar, type LayerFile } from './tar-gzip.ts';
import { type Image, MEDIA } from './types.ts';

export interface NodeBaseImageOptions {
  /**
   * The node binary to put in the image.
   * @default the Node.js running wasmkube (process.execPath)
   */
  readonly node?: string;
  /** @default 6 (1 is much faster for the ~120 MB binary, and larger) */
  readonly gzipLevel?: number;
}

/** `linux/amd64` or `linux/arm64`: the platform of this machine, which the binary is built for. */
export function nodeBasePlatform(): { os: 'linux'; architecture: string } {
  if (process.platform !== 'linux') {
    throw new WasmkubeError(
      'BAD_ARGUMENT',
      `a base image needs Linux binaries; this is ${process.platform}`,
      {
        fix: 'run `wasmkube base-image` on Linux, or pass --base with a registry image',
      },
    );
  }
  const architecture = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!architecture) {
    throw new WasmkubeError('BAD_ARGUMENT', `no base image for CPU ${process.arch}`, {
      fix: 'pass --base with a registry image',
    });
  }
  return { os: 'linux', architecture };
}

function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  } catch (cause) {
    throw new WasmkubeError('BUILD_FAILED', `cannot list the shared libraries of ${binary} (ldd failed)`, {
      cause,
      fix: 'install libc-bin (ldd), or pass --base with a registry image',
    });
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs.sort();
}

/** The image: `/usr/local/bin/node`, its libraries, passwd/group with `nonroot` (65532), a /tmp. */
export async function buildNodeBaseImage(opts: NodeBaseImageOptions = {}): Promise<Image> {
  const platform = nodeBasePlatform();
  const node = realpathSync(opts.node ?? process.execPath);
  const major = Number(
    /^v(\d+)/.exec(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim())?.[1] ?? 0,
  );
  if (major < 24) {
    throw new WasmkubeError('BAD_ARGUMENT', `${node} is Node.js ${major}; the host needs 24 or later`, {
      fix: 'run wasmkube with Node.js 24 (npx wasmkube uses the pinned one)',
    });
  }
  const files: LayerFile[] = [
    { path: 'usr/local/bin/node', data: readFileSync(node), mode: 0o755 },
    ...sharedLibraries(node).map((p) => ({ path: p.slice(1), data: readFileSync(p), mode: 0o755 })),
    {
      path: 'etc/passwd',
      data: Buffer.from(
        'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n',
      ),
    },
    { path: 'etc/group', data: Buffer.from('root:x:0:\nnonroot:x:65532:\n') },
    { path: 'tmp', dir: true, mode: 0o1777, data: new Uint8Array() },
  ];
  const tar = await deterministicTar(files);
  const layer = blobOf(MEDIA.layerGzip, deterministicGzip(tar, opts.gzipLevel ?? 6));
  const config = {
    ...platform,
    config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['node'] },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [
      { created: '1970-01-01T00:00:00Z', created_by: 'wasmkube base-image: node binary and its libraries' },
    ],
  };
  return assembleImage(blobOf(MEDIA.imageConfig, canonicalJson(config)), [layer]);
}
