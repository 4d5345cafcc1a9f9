// `wasmkube k8s render`: parses flags, loads the manifest, and prints the validated YAML stream or writes
// the chosen format under --out. The work is renderManifests() in src/k8s.

import { resolve } from 'node:path';
import { WasmkubeError } from '../../errors.ts';
import {
  formatWarning,
  OUTPUT_FORMATS,
  type OutputFormat,
  renderManifests,
  writeFiles,
} from '../../k8s/index.ts';
import { loadManifest } from '../../manifest/index.ts';
import { progress } from '../output.ts';

export interface RenderFlags {
  readonly out?: string;
  readonly env?: string;
  readonly format?: string;
  readonly registry?: string;
  readonly tag?: string;
  readonly namespace?: string;
}

export async function render(app: string | undefined, flags: RenderFlags): Promise<void> {
  const format = (flags.format ?? 'yaml') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new WasmkubeError('BAD_ARGUMENT', `--format ${flags.format} is not a format`, {
      fix: `use --format ${OUTPUT_FORMATS.join(', --format ')}`,
    });
  }
  if (format !== 'yaml' && flags.out === undefined) {
    throw new WasmkubeError('BAD_ARGUMENT', `--format ${format} writes several files and needs --out`, {
      fix: `add --out DIR, e.g. --out deploy/${format}`,
    });
  }
  const { app: manifest } = await loadManifest(app ?? '.');
  const result = await renderManifests(manifest, {
    format,
    ...(flags.env === undefined ? {} : { env: flags.env }),
    ...(flags.registry === undefined ? {} : { registry: flags.registry }),
    ...(flags.tag === undefined ? {} : { tag: flags.tag }),
    ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
  });
  for (const w of result.warnings) process.stderr.write(`${formatWarning(w)}\n`);
  if (flags.out === undefined) {
    process.stdout.write(Object.values(result.files)[0] as string);
    return;
  }
  const written = await writeFiles(resolve(flags.out), result.files);
  const files = written.length === 1 ? 'file' : 'files';
  progress(`${result.objects.length} objects valid; wrote ${written.length} ${files} under ${flags.out}`);
}
