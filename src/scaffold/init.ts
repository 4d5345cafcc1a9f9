// `wasmkube init [DIR]`: a new app folder — wasmkube.yaml (with the schema comment editors use for
// completion), .gitignore and a README stub — refusing to overwrite an existing manifest.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { WasmkubeError } from '../errors.ts';
import { DNS_LABEL_PATTERN } from '../manifest/names.ts';

/** Where the app's copy of the JSON Schema goes (refreshed by init and new). */
export const SCHEMA_FILE = '.wasmkube/wasmkube.schema.json';

export interface InitResult {
  readonly dir: string;
  readonly name: string;
  readonly files: readonly string[];
}

/** A DNS-1123 label from a folder name: `My App` → `my-app`. */
export function appNameFor(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return new RegExp(DNS_LABEL_PATTERN).test(name) ? name : 'app';
}

/** Writes the app's copy of the manifest schema, so the `$schema` comment works offline. */
export async function writeSchemaCopy(dir: string): Promise<void> {
  const { manifestJsonSchema } = await import('../manifest/json-schema.ts');
  await mkdir(join(dir, '.wasmkube'), { recursive: true });
  await writeFile(join(dir, SCHEMA_FILE), `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
}

export async function initApp(dirArg = '.'): Promise<InitResult> {
  const dir = resolve(dirArg);
  const manifest = join(dir, 'wasmkube.yaml');
  if (existsSync(manifest)) {
    throw new WasmkubeError('BAD_ARGUMENT', `${manifest} already exists`, {
      fix: 'add services to it with `wasmkube new TEMPLATE NAME`, or init another folder',
    });
  }
  const name = appNameFor(dir);
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'wasmkube.yaml': `# yaml-language-server: $schema=${SCHEMA_FILE}
# The ${name} app: add a service with \`wasmkube new http-ts NAME\` (\`wasmkube new --list\` shows all).
apiVersion: wasmkube.dev/v1alpha1
name: ${name}
host:
  listen: 127.0.0.1:8080
services: {}
`,
    '.gitignore': '# Build outputs and build stamps (wasmkube build)\n*/dist/\n.wasmkube/\n',
    'README.md': `# ${name}

A [wasmkube](https://github.com/wasmkube/wasmkube) app.

\`\`\`sh
wasmkube new http-ts hello   # add a service (wasmkube new --list shows the templates)
wasmkube up                  # build what changed and serve on http://127.0.0.1:8080
wasmkube k8s render          # Kubernetes manifests
\`\`\`
`,
  };
  for (const [file, text] of Object.entries(files)) {
    if (file !== 'wasmkube.yaml' && existsSync(join(dir, file))) continue;
    await writeFile(join(dir, file), text);
  }
  await writeSchemaCopy(dir);
  return { dir, name, files: Object.keys(files) };
}
