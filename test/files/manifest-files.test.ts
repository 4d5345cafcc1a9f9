// `data` and `files` in wasmkube.yaml: normalized and resolved against the manifest folder, every bad
// value refused with the file, field and fix, and the files packaged into the image's app layer.

import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { filesFor } from '../../src/host/files/bindings.ts';
import { loadManifest, ManifestError, parseManifest } from '../../src/manifest/index.ts';
import { serviceFilesForLayer } from '../../src/oci/app-files.ts';
import { appDir } from '../helpers/host.ts';

const app = (service: string) =>
  `apiVersion: wasmkube.dev/v1alpha1\nname: a\nservices:\n  s:\n    source: s.wasm\n    routes: ["/"]\n${service}`;

function issues(text: string) {
  try {
    parseManifest(text, 'wasmkube.yaml');
  } catch (err) {
    assert.ok(err instanceof ManifestError, String(err));
    return err.issues;
  }
  assert.fail('expected the manifest to be refused');
}

describe('data and files in the manifest', () => {
  test('data: true is .wasmkube/data/SERVICE beside wasmkube.yaml; paths resolve against its folder', async () => {
    const dir = await appDir(
      app('    data: true\n    files: ["static/**", { source: img, destination: /images }]\n'),
    );
    const s = (await loadManifest(dir)).app.services[0]!;
    assert.deepEqual(s.files, {
      data: { dir: join(dir, '.wasmkube/data/s') },
      files: [
        { kind: 'glob', base: dir, pattern: 'static/**' },
        { kind: 'mapping', source: join(dir, 'img'), destination: '/images' },
      ],
    });
    assert.equal(parseManifest(app(''), 'x').services[0]!.files, undefined);
    assert.deepEqual(parseManifest(app('    data: { dir: state }\n'), 'x').services[0]!.files, {
      data: { dir: 'state' },
      files: [],
    });
  });

  test('bad values name the field and the fix', () => {
    const cases: [string, RegExp][] = [
      ['    data: yes please\n', /expected true or \{ dir \}/],
      ['    files: ["../outside/*"]\n', /stay inside its folder/],
      ['    files: ["/etc/*"]\n', /stay inside its folder/],
      ['    files: [{ source: a, destination: relative }]\n', /absolute guest path/],
      ['    files: [{ source: a, destination: /data/x }]\n', /inside \/data/],
      ['    files: [{ source: a, destination: /x/../y }]\n', /without \.\./],
    ];
    for (const [text, message] of cases) {
      const found = issues(app(text));
      assert.ok(
        found.some((i) => message.test(i.message) && i.fix && i.path.includes('services.s')),
        `${text}: ${JSON.stringify(found)}`,
      );
    }
  });

  test("the image's app layer carries the files at their manifest paths, without symlinks", async () => {
    const dir = await appDir(app('    files: ["assets/*.txt", { source: static, destination: /static }]\n'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'assets', 'a.txt'), 'a');
    await writeFile(join(dir, 'assets', 'b.bin'), 'b');
    await mkdir(join(dir, 'static', 'css'), { recursive: true });
    await writeFile(join(dir, 'static', 'css', 'site.css'), 'css');
    await symlink('/etc/passwd', join(dir, 'static', 'passwd'));
    const files = serviceFilesForLayer(await loadManifest(dir), 'app');
    assert.deepEqual(
      files.map((f) => [f.path, Buffer.from(f.data).toString()]),
      [
        ['app/assets/a.txt', 'a'],
        ['app/static/css/site.css', 'css'],
      ],
    );
  });

  test('a data directory that cannot be made, or a relative WASMKUBE_DATA_DIR, stops start-up with a fix', async () => {
    const dir = await appDir(app('    data: { dir: blocked/data }\n'));
    await writeFile(join(dir, 'blocked'), 'a file, not a folder');
    const service = (await loadManifest(dir)).app.services[0]!;
    assert.throws(
      () => filesFor(service, {}),
      (err) =>
        isWasmkubeError(err) &&
        /service 's': cannot use .*blocked\/data as \/data/.test(err.message) &&
        !!err.fix,
    );
    assert.throws(
      () => filesFor(service, { WASMKUBE_DATA_DIR: 'relative/dir' }),
      (err) =>
        isWasmkubeError(err) && /WASMKUBE_DATA_DIR=relative\/dir is not an absolute path/.test(err.message),
    );
    const volume = join(dir, 'volume');
    const grant = filesFor(service, { WASMKUBE_DATA_DIR: volume });
    assert.deepEqual(
      grant.preopens.map((p) => [p.guestPath, p.node.kind === 'host' && p.node.root]),
      [['/data', volume]],
    );
  });
});
