// buildServices(), the library behind `wasmkube build` and `up`: stamps skip unchanged services, an edit,
// a changed setting or a replaced output rebuilds, components are transpiled at build time, failures
// name the file and line, and `up` rebuilds what is stale and says so.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { type BuildEvent, buildServices } from '../../src/app/build-services.ts';
import { isWasmkubeError } from '../../src/errors.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { ROOT, runCli, startUp } from '../helpers/host.ts';

const WAT = join(ROOT, 'guests/wat/hello-component.wat');

before(() => {
  // A cache of this file's own: transpiled components are looked for there.
  process.env.WASMKUBE_CACHE_DIR = join(tmpdir(), `wasmkube-build-services-${process.pid}`);
});

async function watApp(services: readonly string[], extra = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-build-'));
  const lines = ['apiVersion: wasmkube.dev/v1alpha1', 'name: built', 'host: { workers: 1 }', 'services:'];
  for (const name of services) {
    await mkdir(join(dir, name, 'src'), { recursive: true });
    await copyFile(WAT, join(dir, name, 'src', 'main.wat'));
    lines.push(
      `  ${name}:`,
      `    source: ${name}/dist/${name}.wasm`,
      `    build: { toolchain: wat, entry: ${name}/src/main.wat${extra} }`,
      `    routes: ["/${name}"]`,
    );
  }
  await writeFile(join(dir, 'wasmkube.yaml'), `${lines.join('\n')}\n`);
  return dir;
}

async function build(dir: string, opts: { force?: boolean; concurrency?: number } = {}) {
  const events: BuildEvent[] = [];
  const { app } = await loadManifest(dir);
  const results = await buildServices(app, { ...opts, onProgress: (e) => events.push(e) });
  return { results, events };
}

test('a second build skips unchanged services; an edit rebuilds only that one', async () => {
  const dir = await watApp(['a', 'b']);
  const first = await build(dir);
  assert.deepEqual(
    first.results.map((r) => [r.service, r.status]),
    [
      ['a', 'built'],
      ['b', 'built'],
    ],
  );
  assert.match(
    (first.events.find((e) => e.kind === 'start') as { reason: string }).reason,
    /dist\/\w\.wasm is missing/,
  );
  const second = await build(dir);
  assert.deepEqual(
    second.results.map((r) => r.status),
    ['fresh', 'fresh'],
  );
  const src = join(dir, 'b/src/main.wat');
  await writeFile(src, (await readFile(src, 'utf8')).replaceAll('hello from wasm', 'hello from edit'));
  const third = await build(dir);
  assert.deepEqual(
    third.results.map((r) => [r.service, r.status]),
    [
      ['a', 'fresh'],
      ['b', 'built'],
    ],
  );
  // A new file in the watched folder is an input too.
  await writeFile(join(dir, 'a/src/notes.txt'), 'x');
  assert.equal((await build(dir)).results[0]!.status, 'built');
});

test('a replaced output or a changed setting rebuilds; force always does', async () => {
  const dir = await watApp(['a']);
  await build(dir);
  await writeFile(join(dir, 'a/dist/a.wasm'), 'not what was built');
  const replaced = await build(dir);
  assert.equal(replaced.results[0]!.status, 'built');
  assert.match((replaced.events[0] as { reason: string }).reason, /was changed since its build/);
  const manifest = join(dir, 'wasmkube.yaml');
  await writeFile(
    manifest,
    (await readFile(manifest, 'utf8')).replace('main.wat }', 'main.wat, world: "wasi:http/proxy@0.2.12" }'),
  );
  const changed = await build(dir);
  assert.match((changed.events[0] as { reason: string }).reason, /sources or build settings changed/);
  assert.equal((await build(dir, { force: true })).results[0]!.status, 'built');
});

test('components are transpiled for the host at build time', async () => {
  const dir = await watApp(['a']);
  await build(dir);
  const digest = createHash('sha256')
    .update(await readFile(join(dir, 'a/dist/a.wasm')))
    .digest('hex');
  const entries = await readdir(join(process.env.WASMKUBE_CACHE_DIR!, 'transpiled'));
  assert.ok(
    entries.some((e) => e.startsWith(digest)),
    `no transpiled entry for ${digest} in ${entries.join(', ')}`,
  );
});

test('builds run in parallel up to the limit, one at a time with concurrency 1', async () => {
  const dir = await watApp(['a', 'b', 'c']);
  const { events } = await build(dir, { concurrency: 1 });
  assert.deepEqual(
    events.map((e) => e.kind),
    ['start', 'done', 'start', 'done', 'start', 'done'],
  );
  const parallel = await build(dir, { force: true, concurrency: 3 });
  assert.deepEqual(
    parallel.events.slice(0, 3).map((e) => e.kind),
    ['start', 'start', 'start'],
  );
});

test('a TypeScript syntax error names the file, line and column', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-build-ts-'));
  await mkdir(join(dir, 'api/src'), { recursive: true });
  await writeFile(join(dir, 'api/src/index.ts'), 'export const x: number = 1;\nexport const y = (;\n');
  await writeFile(
    join(dir, 'wasmkube.yaml'),
    'apiVersion: wasmkube.dev/v1alpha1\nname: ts\nservices:\n  api:\n    source: api/dist/api.wasm\n    build: { toolchain: ts, entry: api/src/index.ts }\n    routes: ["/api"]\n',
  );
  const r = await runCli(['build', dir]);
  assert.equal(r.code, 70, r.stderr);
  assert.match(r.stderr, /failed api after/);
  assert.match(
    r.stderr,
    /error\[BUILD_FAILED\]: service 'api': api\/src\/index\.ts: bundling failed:\n\s+api\/src\/index\.ts:2:19: error: Unexpected ";"/,
  );
  await assert.rejects(build(dir), (err) => isWasmkubeError(err) && err.code === 'BUILD_FAILED');
});

test('up rebuilds a stale service and says why', async () => {
  const dir = await watApp(['a']);
  await build(dir);
  const src = join(dir, 'a/src/main.wat');
  await writeFile(src, (await readFile(src, 'utf8')).replaceAll('hello from wasm', 'hello from edit'));
  const up = await startUp([dir]);
  try {
    assert.match(up.stderr(), /building a \(its sources or build settings changed\): wat a\/src\/main\.wat/);
    assert.equal(await (await fetch(`${up.url}/a`)).text(), 'hello from edit\n');
  } finally {
    await up.stop();
  }
});

test('a C service on a machine without clang says which Debian packages to install', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmkube-build-c-'));
  await mkdir(join(dir, 'c/src'), { recursive: true });
  await writeFile(join(dir, 'c/src/main.c'), 'int main(void) { return 0; }\n');
  await writeFile(
    join(dir, 'wasmkube.yaml'),
    'apiVersion: wasmkube.dev/v1alpha1\nname: c\nservices:\n  c:\n    source: c/dist/c.wasm\n    build: { toolchain: c, entry: c/src/main.c }\n    routes: ["/c"]\n',
  );
  // A PATH with Node.js only: no clang.
  const r = await runCli(['build', dir], { env: { PATH: dirname(process.execPath) } });
  assert.equal(r.code, 70, r.stderr);
  assert.match(
    r.stderr,
    /service 'c': cannot run clang[\s\S]*fix: Install the toolchain: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32/,
  );
});
