// In Kubernetes `stateful` mode the StatefulSet's volume is what the guest sees as /data: the rendered
// container mounts the claim and points WASMKUBE_DATA_DIR at it, and the host, started with the
// rendered args and env (a temp folder standing in for the volume), puts the guest's /data there.

/** biome-ignore-all lint/suspicious/noExplicitAny: the test walks rendered objects by path. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { renderApp } from '../../src/k8s/index.ts';
import { loadManifest } from '../../src/manifest/index.ts';
import { appDir, startUp } from '../helpers/host.ts';
import { cFilesGuest } from './guests.ts';

describe('stateful /data', () => {
  test("the rendered pod's volume is the guest's /data", async () => {
    const c = await cFilesGuest();
    const dir = await appDir(`apiVersion: wasmkube.dev/v1alpha1
name: st
services:
  inv: { source: ${c}, routes: ["/inv"], data: true, kubernetes: { mode: stateful } }
  web: { source: ${c}, routes: ["/web"], data: true }
`);
    const objects: any[] = renderApp((await loadManifest(dir)).app, { registry: 'example.com/st' });
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'inv');
    const container = sts.spec.template.spec.containers[0];
    const claim = sts.spec.volumeClaimTemplates[0].metadata.name;
    const mount = container.volumeMounts.find((m: any) => m.name === claim).mountPath;
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    assert.equal(env.WASMKUBE_DATA_DIR, mount);
    // container mode: an emptyDir at the same place (the image's root filesystem is read-only).
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web');
    const podSpec = dep.spec.template.spec;
    assert.ok(podSpec.volumes.some((v: any) => v.name === 'data' && v.emptyDir));
    assert.ok(
      podSpec.containers[0].volumeMounts.some((m: any) => m.name === 'data' && m.mountPath === '/data'),
    );

    // The pod's command, with the app folder for /app and a temp folder for the volume.
    const volume = await mkdtemp(join(tmpdir(), 'wasmkube-volume-'));
    const args: string[] = container.args.slice(1).map((a: string) => (a === '/app' ? dir : a));
    const listen = args.indexOf('--listen');
    args.splice(listen, 2);
    const up = await startUp(args, { env: { WASMKUBE_DATA_DIR: volume } });
    try {
      const res = await fetch(`${up.url}/inv/write?/data/stock.json`, {
        method: 'POST',
        body: '{"apples":3}',
      });
      assert.equal(await res.text(), 'written\n');
      assert.equal(await readFile(join(volume, 'stock.json'), 'utf8'), '{"apples":3}');
      assert.equal((await fetch(`${up.url}/web/count`)).status, 404, 'the pod serves its own service only');
    } finally {
      await up.stop();
    }
  });
});
