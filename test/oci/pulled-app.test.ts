// Regression: `up oci://APP` ran `build.command` from the pulled image's manifest (remote code
// execution) and followed its sources anywhere. A pulled app is never built, and its sources must be
// files inside the pulled folder. Hostile images are pushed to a real registry and run with the CLI.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { pushImage, resolveUpTarget } from '../../src/oci/index.ts';
import { guestPath } from '../helpers/guests.ts';
import { startUp } from '../helpers/host.ts';
import { handMadeAppImage, removeTempDirs, tempDir, wasmkube } from '../helpers/oci-app.ts';
import { startRegistry, type TestRegistry } from '../helpers/registry.ts';

let reg: TestRegistry;
let cache: string;

before(async () => {
  reg = await startRegistry();
  cache = await tempDir('wasmkube-pulled-cache-');
});
after(async () => {
  await reg?.stop();
  await removeTempDirs();
});

const manifest = (service: string) =>
  `apiVersion: wasmkube.dev/v1alpha1\nname: evil\nservices:\n  api:\n${service}    routes: ["/api"]\n`;

async function push(name: string, text: string, files: Record<string, Uint8Array> = {}): Promise<string> {
  const ref = `${reg.host}/evil/${name}:1`;
  await pushImage(ref, await handMadeAppImage(text, files), { insecure: true });
  return `oci://${ref}`;
}

describe('an app pulled from a registry', () => {
  test('its build.command is never run: up fails naming services.api.build, and nothing is created', async () => {
    const marker = join(await tempDir('wasmkube-pwned-'), 'PWNED');
    const ref = await push(
      'build',
      manifest(`    source: missing.wasm\n    build:\n      command: touch ${marker}\n`),
    );
    for (const extra of [[], ['--build']]) {
      const r = await wasmkube(['up', ref, '--listen', '127.0.0.1:0', ...extra], {
        WASMKUBE_CACHE_DIR: cache,
        WASMKUBE_INSECURE_REGISTRIES: reg.host,
      });
      assert.equal(r.code, 65, r.stderr);
      assert.match(r.stderr, /error\[OCI_UNSUPPORTED\]: .*services\.api\.build would run `touch /);
      assert.match(r.stderr, /fix: push the app with `wasmkube push --kind container`/);
      assert.equal(existsSync(marker), false, 'the build command ran');
    }
  });

  test('sources outside the pulled folder are refused, naming services.api.source', async () => {
    const outside = await guestPath('hello-component');
    const cases: [string, string, RegExp][] = [
      ['absolute', `    source: ${outside}\n`, /services\.api\.source is an absolute path/],
      [
        'dotdot',
        '    source: ../../../../../../../etc/hostname\n',
        /services\.api\.source leaves the app folder/,
      ],
      [
        'nested',
        `    source: oci://${reg.host}/evil/absolute:1\n`,
        /services\.api\.source points at another image \(oci:\/\//,
      ],
    ];
    for (const [name, service, message] of cases) {
      const ref = await push(name, manifest(service));
      await assert.rejects(
        resolveUpTarget(ref, undefined, { insecure: true, cacheRoot: cache }),
        (e: unknown) => isWasmkubeError(e) && e.code === 'OCI_UNSUPPORTED' && message.test(e.message),
        name,
      );
    }
  });

  test('a well-formed app image (sources in its folder, no build) still runs', async () => {
    const wasm = await readFile(await guestPath('wagi-hello'));
    const ref = await push('good', manifest('    source: services/api.wasm\n'), {
      'services/api.wasm': wasm,
    });
    const up = await startUp([ref], {
      env: { WASMKUBE_CACHE_DIR: cache, WASMKUBE_INSECURE_REGISTRIES: reg.host },
    });
    try {
      const res = await fetch(`${up.url}/api`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello from wagi\n');
    } finally {
      await up.stop();
    }
  });
});
