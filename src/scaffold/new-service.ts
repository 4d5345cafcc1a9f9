// `wasmkube new TEMPLATE NAME`: writes a service's sources from a template and adds its entry to the
// app's wasmkube.yaml through the yaml Document API, so the user's comments and layout stay as they were.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { WasmkubeError } from '../errors.ts';
import { DNS_LABEL_PATTERN } from '../manifest/names.ts';
import { writeSchemaCopy } from './init.ts';
import { findTemplate, renderTemplate, TEMPLATES } from './templates.ts';

export interface NewServiceOptions {
  /** App folder or manifest file. @default '.' */
  readonly app?: string;
}

export interface NewServiceResult {
  readonly manifest: string;
  readonly service: string;
  /** Files written, relative to the app folder. */
  readonly files: readonly string[];
  readonly route: string;
}

function manifestPath(app: string): string {
  const path = resolve(app);
  return path.endsWith('.yaml') || path.endsWith('.yml') ? path : join(path, 'wasmkube.yaml');
}

export async function newService(
  templateName: string,
  service: string,
  opts: NewServiceOptions = {},
): Promise<NewServiceResult> {
  const template = findTemplate(templateName);
  if (!template) {
    throw new WasmkubeError('BAD_ARGUMENT', `there is no template '${templateName}'`, {
      fix: `use one of ${TEMPLATES.map((t) => t.name).join(', ')} (wasmkube new --list)`,
    });
  }
  if (!new RegExp(DNS_LABEL_PATTERN).test(service)) {
    throw new WasmkubeError('BAD_ARGUMENT', `'${service}' is not a valid service name`, {
      fix: "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit, e.g. api",
    });
  }
  const manifest = manifestPath(opts.app ?? '.');
  let text: string;
  try {
    text = await readFile(manifest, 'utf8');
  } catch {
    throw new WasmkubeError('MANIFEST_NOT_FOUND', `no app at ${manifest}`, {
      fix: `create one with \`wasmkube init ${relative(process.cwd(), dirname(manifest)) || '.'}\`, or pass --app DIR`,
    });
  }
  const { parseDocument, isMap } = await import('yaml');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new WasmkubeError('MANIFEST_INVALID', `${manifest}: ${doc.errors[0]!.message}`, {
      fix: 'fix the YAML syntax first',
    });
  }
  let services = doc.get('services', true);
  if (services === undefined || services === null || (isMap(services) && services.items.length === 0)) {
    // `services: {}` from init: a block map from now on, so entries read like the rest of the file.
    const fresh = doc.createNode({});
    fresh.flow = false;
    doc.set('services', fresh);
    services = fresh;
  }
  if (!isMap(services)) {
    throw new WasmkubeError('MANIFEST_INVALID', `${manifest}: services is not a map`, {
      fix: 'write services: followed by indented service names',
    });
  }
  if (services.has(service)) {
    throw new WasmkubeError('BAD_ARGUMENT', `${manifest} already has a service '${service}'`, {
      fix: 'pick another name, or remove that service first',
    });
  }
  const appDir = dirname(manifest);
  const entry = `${service}/${template.entry}`;
  if (existsSync(join(appDir, entry))) {
    throw new WasmkubeError('BAD_ARGUMENT', `${join(appDir, entry)} already exists`, {
      fix: 'pick another name, or move that folder away',
    });
  }
  await mkdir(dirname(join(appDir, entry)), { recursive: true });
  await writeFile(join(appDir, entry), await renderTemplate(template, service));
  const route = `/${service}`;
  const node = doc.createNode({
    source: `${service}/dist/${service}.wasm`,
    build: { toolchain: template.toolchain, entry },
    routes: [route],
    env: { GREETING: 'hello' },
  });
  // The build settings on one line, as the examples write them.
  const build = node.get('build', true) as { flow?: boolean } | undefined;
  if (build) build.flow = true;
  const routes = node.get('routes', true) as { flow?: boolean } | undefined;
  if (routes) routes.flow = true;
  services.set(service, node);
  await writeFile(manifest, doc.toString({ lineWidth: 0 }));
  await writeSchemaCopy(appDir).catch(() => {});
  return { manifest, service, files: [entry], route };
}
