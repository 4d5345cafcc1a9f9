// Regression: `up --help` never said that APP and --from take oci:// references, push --help made
// --registry required although the manifest may name it, and --insecure claimed more than it does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmkube } from '../helpers/oci-app.ts';

test('help texts: oci:// for up, the manifest registry for push, the scope of --insecure', async () => {
  const up = (await wasmkube(['up', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(up, /app app folder or manifest file, or oci:\/\/REGISTRY\/REPO\[:TAG\]/);
  assert.match(up, /--from <file\.wasm> .*oci:\/\/REGISTRY\/REPO\[:TAG\] of a Wasm artifact/);
  assert.match(up, /WASMKUBE_INSECURE_REGISTRIES/);
  const push = (await wasmkube(['push', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(push, /--registry <registry> .*\(default: kubernetes\.registry/);
  assert.match(push, /--tag <tag> image tag \(default: kubernetes\.tag, else latest\)/);
  assert.match(push, /--insecure plain HTTP to the --registry host/);
  assert.match(push, /--base <ref> .*needed offline/);
  const pkg = (await wasmkube(['package', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(
    pkg,
    /--insecure plain HTTP for a base image on the --registry host or on localhost\/127\.0\.0\.1 \(other hosts: WASMKUBE_INSECURE_REGISTRIES\)/,
  );
});
