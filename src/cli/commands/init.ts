// `wasmkube init [DIR]` and `wasmkube new TEMPLATE NAME [--app DIR] | --list`: thin wiring over
// src/scaffold, printing what was written and the next command to run.

import { relative } from 'node:path';
import { WasmkubeError } from '../../errors.ts';
import { initApp } from '../../scaffold/init.ts';
import { newService } from '../../scaffold/new-service.ts';
import { TEMPLATES } from '../../scaffold/templates.ts';

const shown = (path: string) => relative(process.cwd(), path) || '.';

export async function init(dir: string | undefined): Promise<void> {
  const result = await initApp(dir ?? '.');
  const where = shown(result.dir);
  process.stdout.write(
    `created app ${result.name} in ${where}: ${result.files.join(', ')}\nnext: ${where === '.' ? '' : `cd ${where} && `}wasmkube new http-ts hello\n`,
  );
}

export async function newCommand(
  template: string | undefined,
  name: string | undefined,
  flags: { app?: string; list?: boolean },
): Promise<void> {
  if (flags.list || template === undefined) {
    const width = Math.max(...TEMPLATES.map((t) => t.name.length));
    for (const t of TEMPLATES) process.stdout.write(`${t.name.padEnd(width)}  ${t.description}\n`);
    if (!flags.list) process.stdout.write('\nusage: wasmkube new TEMPLATE NAME [--app DIR]\n');
    return;
  }
  if (name === undefined) {
    throw new WasmkubeError('BAD_ARGUMENT', `wasmkube new ${template} needs a service name`, {
      fix: `run wasmkube new ${template} NAME, e.g. wasmkube new ${template} api`,
    });
  }
  const result = await newService(template, name, { app: flags.app });
  const app = flags.app === undefined ? '' : ` ${flags.app}`;
  process.stdout.write(
    `added service ${result.service} (${template}) to ${shown(result.manifest)}: ${result.files.join(', ')}, route ${result.route}\nnext: wasmkube up${app}   then: curl http://127.0.0.1:8080${result.route}\n`,
  );
}
