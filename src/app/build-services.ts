// Runs each service's build command (from wasmkube.yaml) so its `source` exists: every service with
// `force`, else only those whose .wasm is missing. Output streams through; a failure names the service.

import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { delimiter, dirname } from 'node:path';
import { WasmkubeError } from '../errors.ts';
import type { AppManifest, ServiceSpec } from '../manifest/index.ts';

export interface BuildServicesOptions {
  /** Build even when the .wasm exists. @default false */
  readonly force?: boolean;
  /** Only these services. @default all */
  readonly only?: readonly string[];
  /** Progress lines for humans (the CLI prints them on stderr). */
  readonly onProgress?: (line: string) => void;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function buildServices(app: AppManifest, opts: BuildServicesOptions = {}): Promise<string[]> {
  const built: string[] = [];
  for (const s of app.services) {
    if (opts.only && !opts.only.includes(s.name)) continue;
    if (!s.build || s.source.kind !== 'file') continue;
    if (!opts.force && (await exists(s.source.path))) continue;
    opts.onProgress?.(`building ${s.name}: ${s.build.command}`);
    const started = performance.now();
    await runBuild(s);
    if (!(await exists(s.source.path))) {
      throw new WasmkubeError(
        'BUILD_FAILED',
        `service '${s.name}': the build succeeded but ${s.source.path} is missing`,
        {
          fix: 'make services.<name>.build.command write the file named by services.<name>.source',
        },
      );
    }
    opts.onProgress?.(`built ${s.name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    built.push(s.name);
  }
  return built;
}

function runBuild(s: ServiceSpec): Promise<void> {
  const build = s.build!;
  return new Promise((resolve, reject) => {
    // Output goes to stderr so `up`'s stdout stays machine-readable JSON logs.
    // `node` in a build command means the Node.js running wasmkube (24), not an older one on PATH.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
    const child = spawn(build.command, { cwd: build.workdir, shell: true, env, stdio: ['ignore', 2, 2] });
    child.on('error', (cause) =>
      reject(
        new WasmkubeError('BUILD_FAILED', `service '${s.name}': cannot run '${build.command}'`, { cause }),
      ),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new WasmkubeError(
            'BUILD_FAILED',
            `service '${s.name}': '${build.command}' failed (${signal ?? `exit code ${code}`}) in ${build.workdir}`,
            { fix: 'fix the build error printed above, then run the command again' },
          ),
        );
    });
  });
}
