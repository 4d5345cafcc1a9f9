// The .env reader: comments, `export`, quotes and escapes; a malformed line is reported by its number,
// never by its value.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDotenv } from '../../src/host/config/dotenv.ts';

test('NAME=value lines with comments, export, quotes and escapes', () => {
  const env = parseDotenv(
    [
      '# a comment',
      '',
      'plain=abc # trailing comment',
      'export WASMKUBE_VAR_API_KEY=sk-1',
      "single='a # not a comment'",
      'double="line\\nnext \\"q\\""',
      'empty=',
      'spaced = x',
    ].join('\n'),
  );
  assert.deepEqual(Object.fromEntries(env), {
    plain: 'abc',
    WASMKUBE_VAR_API_KEY: 'sk-1',
    single: 'a # not a comment',
    double: 'line\nnext "q"',
    empty: '',
    spaced: 'x',
  });
});

test('a malformed line is named by file and line, and its value is not shown', () => {
  assert.throws(
    () => parseDotenv('ok=1\nthis is sk-secret-value\n', '/app/.env'),
    (err: Error) =>
      /\/app\/\.env:2: not a NAME=value line/.test(err.message) && !err.message.includes('sk-secret'),
  );
  assert.throws(() => parseDotenv('a="open'), /not closed/);
});
