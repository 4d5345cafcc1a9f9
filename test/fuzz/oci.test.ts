// Property tests of the OCI parsers: image references parse or fail with OCI_REFERENCE and print back
// to what they mean; indexes and manifests from untrusted JSON parse to checked descriptors or fail with
// OCI_UNSUPPORTED, and never pass on a digest that is not one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isWasmkubeError } from '../../src/errors.ts';
import { isDigest } from '../../src/oci/digest.ts';
import { parseImageIndex, parseImageManifest } from '../../src/oci/manifest-json.ts';
import { formatReference, parseReference } from '../../src/oci/reference.ts';
import { params } from './config.ts';

const lower = (chars: string, max: number) =>
  fc.string({ unit: fc.constantFrom(...chars.split('')), minLength: 1, maxLength: max });
const component = fc
  .tuple(
    lower('abc019', 6),
    fc.option(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), lower('xyz5', 4)), { nil: undefined }),
  )
  .map(([a, b]) => (b ? `${a}${b[0]}${b[1]}` : a));
const registry = fc.oneof(
  fc.constantFrom(
    '127.0.0.1:5000',
    'localhost:5000',
    'ghcr.io',
    'registry.example.com:443',
    '[::1]:5000',
    'docker.io',
  ),
  fc.tuple(lower('ab1', 6), lower('io', 3)).map(([h, t]) => `${h}.${t}`),
);
const digest = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `sha256:${Buffer.from(b).toString('hex')}`);
const reference = fc.record({
  registry: fc.option(registry, { nil: undefined }),
  path: fc.array(component, { minLength: 1, maxLength: 3 }),
  tag: fc.option(
    fc
      .tuple(lower('aZ0_', 1), fc.string({ unit: fc.constantFrom(...'aZ0_.-'.split('')), maxLength: 20 }))
      .map(([a, b]) => a + b),
    { nil: undefined },
  ),
  digest: fc.option(digest, { nil: undefined }),
});

test('image references: any text parses or fails with OCI_REFERENCE; formatting is a fixed point', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(...'aZ0:/@.-_[]%'.split('')), maxLength: 40 }),
    reference.map(
      (r) =>
        `${r.registry ? `${r.registry}/` : ''}${r.path.join('/')}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`,
    ),
  );
  fc.assert(
    fc.property(text, fc.boolean(), (t, oci) => {
      let ref: ReturnType<typeof parseReference>;
      try {
        ref = parseReference(oci ? `oci://${t}` : t);
      } catch (err) {
        assert.ok(isWasmkubeError(err) && err.code === 'OCI_REFERENCE' && err.fix, String(err));
        return;
      }
      assert.ok(ref.tag !== undefined || ref.digest !== undefined);
      if (ref.digest !== undefined) assert.ok(isDigest(ref.digest));
      // What it prints is a full reference that parses back to itself.
      assert.deepEqual(parseReference(formatReference(ref)), ref);
    }),
    params(4),
  );
});

test('well-formed references keep their parts', () => {
  fc.assert(
    fc.property(reference, (r) => {
      const text = `${r.registry ? `${r.registry}/` : ''}${r.path.join('/')}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
      const ref = parseReference(text);
      const hub = r.registry === undefined || r.registry === 'docker.io';
      // Without a registry the first component could be read as one only if it looks like a host.
      if (r.registry !== undefined) {
        assert.equal(ref.registry, hub ? 'registry-1.docker.io' : r.registry);
        const repo = hub && r.path.length === 1 ? `library/${r.path[0]}` : r.path.join('/');
        assert.equal(ref.repository, repo);
      }
      assert.equal(ref.tag, r.tag ?? (r.digest ? undefined : 'latest'));
      assert.equal(ref.digest, r.digest);
    }),
    params(2),
  );
});

const descriptor = fc.record(
  {
    mediaType: fc.oneof(fc.constant('application/wasm'), fc.jsonValue()),
    digest: fc.oneof(
      digest,
      fc.constantFrom('sha256:../../etc/passwd', 'sha256:', '../x', 'sha512:ab'),
      fc.jsonValue(),
    ),
    size: fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 2, '10'), fc.jsonValue()),
    annotations: fc.oneof(fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }), fc.jsonValue()),
    platform: fc.oneof(
      fc.record({ os: fc.constant('linux'), architecture: fc.constant('amd64') }),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);

function checkDescriptors(ds: readonly { digest: string; size: number; mediaType: string }[]) {
  for (const d of ds) {
    assert.ok(isDigest(d.digest), `digest ${d.digest} passed`);
    assert.ok(Number.isSafeInteger(d.size) && d.size >= 0, `size ${d.size} passed`);
    assert.equal(typeof d.mediaType, 'string');
  }
}

test('manifests and indexes from untrusted JSON: checked descriptors or OCI_UNSUPPORTED', () => {
  const doc = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        schemaVersion: fc.oneof(fc.constant(2), fc.jsonValue()),
        mediaType: fc.oneof(fc.constant('application/vnd.oci.image.manifest.v1+json'), fc.jsonValue()),
        config: fc.oneof(descriptor, fc.jsonValue()),
        layers: fc.oneof(fc.array(descriptor, { maxLength: 3 }), fc.jsonValue()),
        manifests: fc.oneof(fc.array(descriptor, { maxLength: 3 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    ),
  );
  const bytes = fc.oneof(
    doc.map((d) => new TextEncoder().encode(JSON.stringify(d) ?? 'null')),
    fc.uint8Array({ maxLength: 64 }),
  );
  fc.assert(
    fc.property(bytes, (data) => {
      for (const parse of [parseImageManifest, parseImageIndex]) {
        let out: ReturnType<typeof parseImageManifest> | ReturnType<typeof parseImageIndex>;
        try {
          out = parse(data, 'fuzzed');
        } catch (err) {
          assert.ok(isWasmkubeError(err) && err.code === 'OCI_UNSUPPORTED', String(err));
          continue;
        }
        if ('layers' in out) checkDescriptors([out.config, ...out.layers]);
        else checkDescriptors(out.manifests);
      }
    }),
    params(6),
  );
});
