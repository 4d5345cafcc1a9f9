// Every `wasmkube new` template, as a new user gets it: `init` and `new` in an empty folder outside the
// repository, one `wasmkube build` (all six in parallel), then `up` answers each service's route.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startUp, type UpProcess } from '../helpers/host.ts';

const TEMPLATES = ['http-ts', 'http-js', 'http-wat', 'wagi-as', 'wagi-c', 'wagi-rust'] as const;
/** Service name per template: http-ts → ts-svc. */
const svc = (t: string) => `${t.split('-')[1]}-svc`;

let dir: string;
let up: UpProcess;

before(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'wasmkube-new-')), 'my-app');
  const init = await runCli(['init', dir], { cwd: tmpdir() });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /created app my-app/);
  for (const t of TEMPLATES) {
    const r = await runCli(['new', t, svc(t)], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`route /${svc(t)}\\b[\\s\\S]*next: wasmkube up`));
  }
  // componentize-js builds take 10-50 s each; the rest a few seconds.
  const build = await runCli(['build'], { cwd: dir, timeoutMs: 400_000 });
  assert.equal(build.code, 0, build.stderr);
  assert.match(build.stderr, /6 built, 0 up to date/);
  up = await startUp([dir]);
});

after(async () => {
  await up?.stop();
});

test('init writes a manifest with the schema comment, a .gitignore and a README', async () => {
  const manifest = await readFile(join(dir, 'wasmkube.yaml'), 'utf8');
  assert.match(manifest, /^# yaml-language-server: \$schema=\.wasmkube\/wasmkube\.schema\.json\n/);
  const schema = JSON.parse(await readFile(join(dir, '.wasmkube/wasmkube.schema.json'), 'utf8'));
  assert.equal(schema.title, 'wasmkube app manifest');
  assert.match(await readFile(join(dir, '.gitignore'), 'utf8'), /\.wasmkube\//);
  assert.match(await readFile(join(dir, 'README.md'), 'utf8'), /wasmkube new http-ts/);
  // Nothing in the app refers into wasmkube's own tree.
  assert.doesNotMatch(manifest, /src\/build|\.\.\//);
});

test('http-ts answers with its variables, and streams a POST body back', async () => {
  const get = await fetch(`${up.url}/ts-svc/hi?x=1`);
  assert.equal(get.status, 200);
  assert.deepEqual(await get.json(), { message: 'hello from ts-svc', path: '/ts-svc/hi' });
  const body = 'x'.repeat(200_000);
  const post = await fetch(`${up.url}/ts-svc`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/x-test' },
  });
  assert.equal(post.headers.get('content-type'), 'text/x-test');
  assert.equal(await post.text(), body);
});

test('http-js answers the same way', async () => {
  const res = await fetch(`${up.url}/js-svc`);
  assert.deepEqual(await res.json(), { message: 'hello from js-svc', path: '/js-svc' });
  assert.equal(await (await fetch(`${up.url}/js-svc`, { method: 'POST', body: 'ping' })).text(), 'ping');
});

test('http-wat, wagi-as, wagi-c and wagi-rust answer their routes', async () => {
  assert.equal(await (await fetch(`${up.url}/wat-svc`)).text(), 'hello from wat-svc\n');
  for (const t of ['wagi-as', 'wagi-c', 'wagi-rust']) {
    const res = await fetch(`${up.url}/${svc(t)}/x`);
    assert.equal(res.status, 200, t);
    assert.equal(await res.text(), `hello from ${svc(t)} (GET /x)\n`, t);
  }
});

test('a second build skips every service; an edit rebuilds only that one', async () => {
  const again = await runCli(['build', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /0 built, 6 up to date/);
  const source = join(dir, 'c-svc/src/main.c');
  await writeFile(source, (await readFile(source, 'utf8')).replace('from c-svc', 'from edited c-svc'));
  const edited = await runCli(['build', dir]);
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(edited.stderr, /building c-svc \(its sources or build settings changed\)/);
  assert.match(edited.stderr, /1 built, 5 up to date/);
});

test('new keeps the comments of the manifest and refuses a taken name', async () => {
  const file = join(dir, 'wasmkube.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('host:', '# my own note\nhost:'));
  const r = await runCli(['new', 'http-wat', 'extra'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const text = await readFile(file, 'utf8');
  assert.match(text, /# my own note\nhost:/);
  assert.match(
    text,
    / {2}extra:\n {4}source: extra\/dist\/extra\.wasm\n {4}build: \{ toolchain: wat, entry: extra\/src\/service\.wat \}/,
  );
  const taken = await runCli(['new', 'http-wat', 'extra'], { cwd: dir });
  assert.equal(taken.code, 64);
  assert.match(taken.stderr, /already has a service 'extra'/);
  const unknown = await runCli(['new', 'http-go', 'x'], { cwd: dir });
  assert.match(unknown.stderr, /there is no template 'http-go'[\s\S]*fix: use one of http-ts, http-js/);
  const elsewhere = await runCli(['new', 'wagi-as', 'other', '--app', dir], { cwd: tmpdir() });
  assert.equal(elsewhere.code, 0, elsewhere.stderr);
  assert.match(elsewhere.stdout, new RegExp(`next: wasmkube up ${dir}`));
  assert.match(await readFile(file, 'utf8'), / {2}other:\n {4}source: other\/dist\/other\.wasm/);
  const list = await runCli(['new', '--list']);
  assert.equal(list.stdout.trim().split('\n').length, TEMPLATES.length);
});
