// The V8 flags live in bin/node-flags.js; the shebang of bin/wasmkube.js cannot import them, so this
// keeps the two the same.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { NODE_FLAGS } from '../../bin/node-flags.js';

test('the shebang of bin/wasmkube.js runs node with NODE_FLAGS', async () => {
  const first = (await readFile(new URL('../../bin/wasmkube.js', import.meta.url), 'utf8')).split('\n')[0];
  assert.equal(first, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
});
