// Unit parsers shared by the manifest and the CLI flags: sizes, durations, listen addresses.
// Tables of accepted and refused inputs, refusals checked for their code and fix.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, parseListen, parseSize } from '../../src/manifest/index.ts';

describe('parseSize', () => {
  const ok: [string | number, number][] = [
    [0, 0],
    [1024, 1024],
    ['1024', 1024],
    ['64Ki', 65536],
    ['64KiB', 65536],
    ['64Mi', 64 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1GiB', 2 ** 30],
    ['1K', 1000],
    ['1KB', 1000],
    ['10M', 10_000_000],
    ['10MB', 10_000_000],
    ['2G', 2e9],
    ['2GB', 2e9],
    ['1.5Ki', 1536],
  ];
  for (const [input, bytes] of ok) {
    it(`reads ${JSON.stringify(input)} as ${bytes} bytes`, () => assert.equal(parseSize(input), bytes));
  }
  for (const input of ['64Q', '64mi', 'Mi', '-1', '1.5', ' ', '64 Mi x', -1, 1.5, Number.NaN]) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseSize(input, '--max-body-size'),
        (err: { code?: string; message?: string; fix?: string }) =>
          err.code === 'BAD_ARGUMENT' &&
          err.message?.startsWith('--max-body-size: ') === true &&
          err.fix?.includes('64Mi') === true,
      );
    });
  }
});

describe('parseDuration', () => {
  const ok: [string | number, number][] = [
    [0, 0],
    [250, 250],
    ['250', 250],
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
  ];
  for (const [input, ms] of ok) {
    it(`reads ${JSON.stringify(input)} as ${ms} ms`, () => assert.equal(parseDuration(input), ms));
  }
  for (const input of ['10 sec', '10S', '1d', 's', '-5s', '1.5', -1, 0.5]) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseDuration(input), { code: 'BAD_ARGUMENT', fix: /10s/ });
    });
  }
});

describe('parseListen', () => {
  const ok: [string | number, { host: string; port: number }][] = [
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['localhost:3000', { host: 'localhost', port: 3000 }],
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['8080', { host: '127.0.0.1', port: 8080 }],
    [8080, { host: '127.0.0.1', port: 8080 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['[::]:80', { host: '::', port: 80 }],
  ];
  for (const [input, address] of ok) {
    it(`reads ${JSON.stringify(input)}`, () => assert.deepEqual(parseListen(input), address));
  }
  for (const input of [
    '',
    'localhost',
    '127.0.0.1:',
    '127.0.0.1:99999',
    '::1:8080',
    '[::1]8080',
    'a b:80',
    -1,
  ]) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseListen(input, '--listen'), { code: 'BAD_ARGUMENT', message: /^--listen: / });
    });
  }
});
