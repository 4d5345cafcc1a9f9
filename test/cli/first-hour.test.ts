// A new user's first hour, from an empty folder outside the repository, as the README's "Start your own
// app" says: `init`, `new http-ts api`, `up --watch`, an edit to the service, a request that sees the
// edit (and no request that fails meanwhile), then `k8s render` of the same app.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { type KubeObject, validationProblems } from '../../src/k8s/index.ts';
import { runCli, startUp } from '../helpers/host.ts';

test('init, new http-ts, up --watch, an edit seen by the next requests, k8s render', {
  timeout: 600_000,
}, async () => {
  const parent = await mkdtemp(join(tmpdir(), 'wasmkube-first-hour-'));
  const dir = join(parent, 'my-app');
  try {
    assert.equal((await runCli(['init', 'my-app'], { cwd: parent })).code, 0);
    const added = await runCli(['new', 'http-ts', 'api'], { cwd: dir });
    assert.equal(added.code, 0, added.stderr);

    const up = await startUp([dir, '--watch']);
    let failures = 0;
    try {
      const first = await fetch(`${up.url}/api`);
      assert.equal(first.status, 200);
      assert.equal(((await first.json()) as { message: string }).message, 'hello from api');

      const source = join(dir, 'api/src/index.ts');
      const text = await readFile(source, 'utf8');
      assert.ok(text.includes('from api'), 'the template names its service in its message');
      await writeFile(source, text.replace('from api', 'from the edited api'));

      // Requests keep being answered by the old version until the new one is swapped in.
      let message = '';
      for (let i = 0; i < 600 && message !== 'hello from the edited api'; i++) {
        const res = await fetch(`${up.url}/api`);
        if (res.status !== 200) failures++;
        else message = ((await res.json()) as { message: string }).message;
        if (message !== 'hello from the edited api') await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(message, 'hello from the edited api');
      assert.equal(failures, 0, 'no request failed while the service was rebuilt and swapped');
    } finally {
      assert.equal(await up.stop(), 0);
    }

    const render = await runCli(['k8s', 'render', '--registry', 'ghcr.io/acme'], { cwd: dir });
    assert.equal(render.code, 0, render.stderr);
    const objects = parseAllDocuments(render.stdout).map((d) => d.toJS() as KubeObject);
    assert.deepEqual(await validationProblems(objects), []);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api');
    assert.ok(deployment, 'the api service renders to a Deployment');
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
