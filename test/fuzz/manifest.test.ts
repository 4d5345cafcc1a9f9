// Property tests of the manifest loader: whatever the text, parseManifest returns an app or throws a
// ManifestError whose issues each name a field and a fix, never another kind of error, in bounded time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManifestError, parseManifest } from '../../src/manifest/index.ts';
import { params } from './config.ts';

function check(text: string): void {
  try {
    const app = parseManifest(text, 'wasmkube.yaml');
    assert.ok(app.services.length >= 1, 'an accepted manifest has a service');
    for (const s of app.services) {
      assert.ok(s.routes.length >= 1, `service ${s.name} has a route`);
      assert.ok(s.limits.memoryBytes > 0 && s.limits.timeoutMs > 0 && s.limits.concurrency >= 1);
    }
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    assert.ok(err.issues.length > 0, 'a manifest error lists its issues');
    for (const i of err.issues) {
      assert.equal(i.file, 'wasmkube.yaml');
      assert.ok(i.message.length > 0 && i.fix.length > 0, `issue with message and fix: ${JSON.stringify(i)}`);
      assert.ok(i.line >= 1 && i.col >= 1, `issue at a position: ${JSON.stringify(i)}`);
    }
  }
}

const VALID = {
  apiVersion: 'wasmkube.dev/v1alpha1',
  name: 'shop',
  host: { listen: '127.0.0.1:8080', workers: 2, shutdown: { drainDelay: '1s', gracePeriod: '10s' } },
  services: {
    orders: {
      source: 'orders.wasm',
      routes: ['/orders/...'],
      env: { A: '1' },
      limits: { memory: '64Mi', timeout: '10s', maxBodySize: '1Mi', concurrency: 8 },
      isolation: 'fresh',
    },
  },
};

/** Every path to a leaf of an object, for mutating one field at a time. */
function leaves(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [at];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, Array.isArray(v) ? Number(k) : k]));
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  copy[path[0]!] = setAt(copy[path[0]!], path.slice(1), value);
  return copy;
}

test('arbitrary text: an app or a ManifestError with positions and fixes', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), check), params());
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...'ab:-[]{}&*!|>%@`\'"#\n\t ?,0'.split('')), maxLength: 200 }),
      check,
    ),
    params(),
  );
});

test('a valid manifest with one field replaced by any JSON value', () => {
  const paths = leaves(VALID);
  fc.assert(
    fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
      check(JSON.stringify(setAt(VALID, path, value)));
    }),
    params(2),
  );
});

test('a valid manifest with extra keys, in YAML text cut or spliced at any point', () => {
  const text = JSON.stringify(VALID, null, 2);
  fc.assert(
    fc.property(fc.nat(text.length), fc.nat(text.length), fc.string({ maxLength: 20 }), (a, b, ins) => {
      const [from, to] = a < b ? [a, b] : [b, a];
      check(text.slice(0, from) + ins + text.slice(to));
    }),
    params(2),
  );
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      (extra) => {
        check(JSON.stringify({ ...VALID, ...extra }));
        check(JSON.stringify({ ...VALID, services: { ...VALID.services, ...extra } }));
      },
    ),
    params(),
  );
});
