// `wasmkube base-image` makes a Node.js 24 base offline; `package --kind container --base ./node-base`
// builds on it, and the `--dockerfile` it writes has a FROM that podman builds and runs as written.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { readLayout } from '../../src/oci/index.ts';
import { demoApp, removeTempDirs, wasmkube } from '../helpers/oci-app.ts';

const run = promisify(execFile);
const images: string[] = [];
const cleanup: string[] = [];
after(async () => {
  for (const d of cleanup) await rm(d, { recursive: true, force: true });
  for (const i of images) await run('podman', ['rmi', '-f', i]).catch(() => {});
  await removeTempDirs();
});

test('base-image → package --base LAYOUT --dockerfile → podman build → the image runs wasmkube', async () => {
  // podman names an `oci:` base after its path, and image names are lowercase.
  const dir = join(tmpdir(), `wasmkube-base-image-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(dir);
  cleanup.push(dir);
  const made = await wasmkube(['base-image', '--out', join(dir, 'node-base')]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /node-base@sha256:[0-9a-f]{64}\n$/);
  const [base] = await readLayout(join(dir, 'node-base'));
  const config = JSON.parse(Buffer.from(base!.image.config.data).toString('utf8'));
  assert.deepEqual([config.os, config.architecture, config.config.Cmd], ['linux', 'amd64', ['node']]);

  const app = await demoApp();
  const out = join(dir, 'out');
  const r = await wasmkube([
    'package',
    app,
    '--kind',
    'container',
    '--base',
    join(dir, 'node-base'),
    '--out',
    out,
    '--dockerfile',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const dockerfile = await readFile(join(out, 'docker', 'Dockerfile'), 'utf8');
  assert.match(dockerfile, new RegExp(`^ARG BASE=oci:${join(dir, 'node-base')}$`, 'm'));
  assert.match(dockerfile, /^FROM \$\{BASE\}$/m);

  const tag = `localhost/wasmkube-dockerfile-test:${Date.now()}`;
  images.push(tag);
  await run('podman', ['build', '--runtime', 'runc', '-q', '-t', tag, join(out, 'docker')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const version = await run('podman', [
    'run',
    '--rm',
    '--runtime',
    'runc',
    '--ulimit',
    'nofile=20000:20000',
    '--ulimit',
    'nproc=4096:4096',
    tag,
    '--version',
  ]);
  assert.equal(version.stdout.trim(), '0.1.0');
});
