// `build: { toolchain, entry }` in wasmkube.yaml: normalized with its default watch globs, and every
// wrong combination reported at its field with a fix.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManifestError, parseManifest } from '../../src/manifest/index.ts';

const app = (build: string, source = 'api/dist/api.wasm') => `apiVersion: wasmkube.dev/v1alpha1
name: shop
services:
  api:
    source: ${source}
    build: ${build}
    routes: ["/api"]
`;

function failure(text: string): string {
  try {
    parseManifest(text, 'wasmkube.yaml');
  } catch (err) {
    assert.ok(err instanceof ManifestError, String(err));
    return `${err.message}\n${err.fix ?? ''}`;
  }
  assert.fail('expected parseManifest to throw');
}

test('a toolchain build watches its entry folder by default', () => {
  const [s] = parseManifest(app('{ toolchain: ts, entry: api/src/index.ts }'), 'wasmkube.yaml').services;
  assert.deepEqual(s!.build, {
    toolchain: 'ts',
    entry: 'api/src/index.ts',
    workdir: '.',
    watch: ['api/src/**'],
  });
  const [w] = parseManifest(
    app('{ toolchain: wat, entry: x.wat, world: "wasi:http/proxy@0.2.12", watch: [a] }'),
    'f',
  ).services;
  assert.deepEqual(w!.build, {
    toolchain: 'wat',
    entry: 'x.wat',
    world: 'wasi:http/proxy@0.2.12',
    workdir: '.',
    watch: ['a'],
  });
});

test('a command build keeps its shape', () => {
  const [s] = parseManifest(app('{ command: make, watch: ["src/**"] }'), 'wasmkube.yaml').services;
  assert.deepEqual(s!.build, { command: 'make', workdir: '.', watch: ['src/**'] });
});

test('wrong combinations name the field and the fix', () => {
  assert.match(
    failure(app('{ watch: [a] }')),
    /build\.command.*needs a command or a toolchain[\s\S]*toolchain: ts/,
  );
  assert.match(
    failure(app('{ command: make, toolchain: ts, entry: a.ts }')),
    /build\.toolchain.*together with command/,
  );
  assert.match(failure(app('{ toolchain: ts }')), /build\.entry.*is needed with toolchain ts/);
  assert.match(
    failure(app('{ toolchain: go, entry: main.go }')),
    /build\.toolchain.*expected one of ts, js, assemblyscript, c, rust, wat, spin/,
  );
  assert.match(failure(app('{ command: make, entry: a.ts }')), /build\.entry.*only applies with a toolchain/);
  assert.match(
    failure(app('{ toolchain: c, entry: a.c, workdir: x }')),
    /build\.workdir.*only applies with a command/,
  );
  assert.match(
    failure(app('{ toolchain: c, entry: a.c, output: other.wasm }')),
    /build\.output.*is other\.wasm but source is api\/dist\/api\.wasm[\s\S]*remove build\.output/,
  );
  // The same path written differently is the same file.
  parseManifest(app('{ toolchain: c, entry: a.c, output: ./api/dist/api.wasm }'), 'wasmkube.yaml');
});
