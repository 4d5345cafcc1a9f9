// mode: wasm runs the artifact under a containerd shim that serves wasi:http components; a WAGI module
// (a WASI command) would run `_start` once and exit, a crash loop. Reading the built file tells them apart.

import { readFile } from 'node:fs/promises';
import { WasmkubeError } from '../errors.ts';
import { detectWasmKind, isWagiCommand } from '../host/engines/wasm/index.ts';
import type { AppManifest, KubernetesSpec } from '../manifest/index.ts';

/** Each service's mode in the base and in every environment, with the manifest path of the field. */
function wasmModeFields(app: AppManifest): { service: string; path: string }[] {
  const out: { service: string; path: string }[] = [];
  for (const s of app.services) {
    if (s.kubernetes.mode === 'wasm')
      out.push({ service: s.name, path: `services.${s.name}.kubernetes.mode` });
  }
  for (const [env, e] of Object.entries(app.kubernetes?.environments ?? {})) {
    for (const [name, spec] of Object.entries(e.services) as [string, KubernetesSpec][]) {
      const base = app.services.find((s) => s.name === name)?.kubernetes.mode;
      if (spec.mode === 'wasm' && base !== 'wasm') {
        out.push({ service: name, path: `kubernetes.environments.${env}.services.${name}.mode` });
      }
    }
  }
  return out;
}

/**
 * Fails when a service in mode: wasm (in the base or an environment) is a local WAGI command module.
 * A file that is not built yet, or an `oci://` source, is not checked.
 * @throws WasmkubeError MANIFEST_INVALID naming the mode field and the fix
 */
export async function checkWasmModes(app: AppManifest): Promise<void> {
  const problems: string[] = [];
  for (const { service, path } of wasmModeFields(app)) {
    const source = app.services.find((s) => s.name === service)?.source;
    if (source?.kind !== 'file') continue;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(source.path);
    } catch {
      continue;
    }
    let command = false;
    try {
      command = isWagiCommand(detectWasmKind(bytes));
    } catch {
      continue; // not well-formed: `wasmkube up` and `package` report that with the reason
    }
    if (command) {
      problems.push(
        `${path}: wasm runs ${service} under a containerd Wasm shim, which serves wasi:http components; ${source.path} is a WAGI (WASI command) module, which would run _start once and exit (a crash loop)`,
      );
    }
  }
  if (problems.length > 0) {
    throw new WasmkubeError('MANIFEST_INVALID', problems.join('\n'), {
      fix: 'use mode: container (or knative, stateful), where the wasmkube host serves WAGI modules, or build the service as a wasi:http component',
    });
  }
}
