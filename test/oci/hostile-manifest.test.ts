// Regressions (found by test/fuzz/oci.test.ts): an index or manifest whose fields are not what the
// puller expects crashed it with a TypeError, and a descriptor digest such as `sha256/../../x` was used
// as a path (a layout read files outside its blob store; a pull asked the registry for other URLs).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { readLayout } from '../../src/oci/layout.ts';
import { parseImageIndex, parseImageManifest } from '../../src/oci/manifest-json.ts';

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

test('a layout descriptor whose digest walks out of blobs/ is refused before anything is read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-layout-'));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'secret'), 'not a blob');
  const digest = 'sha256:../../secret';
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'x', digest, size: 10 }] }),
  );
  await assert.rejects(readLayout(dir), (err: unknown) => {
    assert.ok(isWasmkubeError(err));
    assert.equal(err.code, 'OCI_UNSUPPORTED');
    assert.match(err.message, /manifests\[0\]\.digest is not a sha256 digest/);
    return true;
  });
});

test('indexes and manifests of the wrong shape are OCI errors naming the field', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => parseImageIndex(json({ schemaVersion: 2, manifests: 'all' }), 'i'), /manifests is not a list/],
    [() => parseImageIndex(json(null), 'i'), /not a JSON object/],
    [() => parseImageManifest(json({ schemaVersion: 2, layers: [] }), 'm'), /config is not a descriptor/],
    [
      () =>
        parseImageManifest(
          json({
            schemaVersion: 2,
            config: { mediaType: 'c', digest: `sha256:${'a'.repeat(64)}`, size: -1 },
            layers: [],
          }),
          'm',
        ),
      /config\.size is not a byte count/,
    ],
    [() => parseImageManifest(new TextEncoder().encode('{'), 'm'), /is not JSON/],
  ];
  for (const [parse, message] of cases) {
    assert.throws(
      parse,
      (err: unknown) => isWasmkubeError(err) && err.code === 'OCI_UNSUPPORTED' && message.test(err.message),
    );
  }
});
