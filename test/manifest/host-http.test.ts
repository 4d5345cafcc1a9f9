// host.http in wasmkube.yaml: each connection limit normalizes to milliseconds or bytes, and a value
// out of range is reported with its field and a fix.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, parseManifest } from '../../src/manifest/index.ts';

const manifest = (http: string) => `apiVersion: wasmkube.dev/v1alpha1
name: shop
host:
  http: ${http}
services:
  orders: { source: orders.wasm, routes: ["/orders"] }
`;

describe('host.http', () => {
  it('normalizes every limit', () => {
    const app = parseManifest(
      manifest(
        '{ headersTimeout: 2s, keepAliveTimeout: 750ms, firstByteTimeout: 1s, maxConnections: 100, maxHeaderSize: 8Ki, maxUrlLength: 2Ki }',
      ),
      'wasmkube.yaml',
    );
    assert.deepEqual(app.host.http, {
      headersTimeoutMs: 2000,
      keepAliveTimeoutMs: 750,
      firstByteTimeoutMs: 1000,
      maxConnections: 100,
      maxHeaderBytes: 8192,
      maxUrlBytes: 2048,
    });
  });

  it('reports a limit out of range with its field and a fix', () => {
    for (const [http, field] of [
      ['{ maxHeaderSize: 100 }', 'maxHeaderSize'],
      ['{ maxConnections: 0 }', 'maxConnections'],
      ['{ headersTimeout: 0 }', 'headersTimeout'],
      ['{ maxUrlLenght: 1Ki }', 'maxUrlLenght'],
    ]) {
      assert.throws(
        () => parseManifest(manifest(http!), 'wasmkube.yaml'),
        (err: unknown) => {
          assert.ok(err instanceof ManifestError);
          assert.match(err.message, new RegExp(`host\\.http\\.${field}`));
          return true;
        },
        http,
      );
    }
  });
});
