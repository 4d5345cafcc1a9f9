// Snapshot files for rendered YAML: committed under test/k8s/snapshots, compared byte for byte, and
// rewritten only when UPDATE_SNAPSHOTS=1 is set (then review the diff like code).

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('./snapshots/', import.meta.url));

export async function matchSnapshot(name: string, actual: string): Promise<void> {
  const file = join(DIR, name);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = await readFile(file, 'utf8');
  } catch {
    assert.fail(`no snapshot ${name}: run UPDATE_SNAPSHOTS=1 node --test test/k8s/ and review it`);
  }
  assert.equal(
    actual,
    expected,
    `${name} changed: if intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff`,
  );
}
