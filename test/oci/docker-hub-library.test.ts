// Regression (found by test/fuzz/oci.test.ts): `docker.io/nginx` named repository `nginx` instead of
// Docker Hub's `library/nginx`, which is what `nginx` alone and docker itself give.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReference } from '../../src/oci/reference.ts';

test('a one-part repository on Docker Hub is in library/, with or without the registry written', () => {
  for (const text of ['nginx:1.27', 'docker.io/nginx:1.27', 'index.docker.io/nginx:1.27']) {
    assert.deepEqual(
      parseReference(text),
      { registry: 'registry-1.docker.io', repository: 'library/nginx', tag: '1.27' },
      text,
    );
  }
  assert.equal(parseReference('docker.io/acme/shop').repository, 'acme/shop');
  assert.equal(parseReference('ghcr.io/shop').repository, 'shop');
});
