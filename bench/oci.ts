// `npm run bench:oci`: sizes of the two image kinds (Wasm artifact vs container image, compressed), push
// and pull times for both against a local docker-registry, and a rebuild where only the app changed,
// which pushes only the changed layer. Prints a markdown table and writes bench/results/oci.json.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifest } from '../src/manifest/index.ts';
import { type Image, imageSize, packageApp, pullImage, pushImage } from '../src/oci/index.ts';
import { pushNodeBaseImage } from '../test/helpers/base-image.ts';
import { DEMO_MANIFEST, demoApp, removeTempDirs } from '../test/helpers/oci-app.ts';
import { startRegistry } from '../test/helpers/registry.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const reg = await startRegistry();
try {
  const app = await demoApp();
  const base = `${reg.host}/base/node:24`;
  process.stderr.write('bench: building and pushing the Node.js 24 base image from this machine\n');
  await pushNodeBaseImage(base, { insecure: true });

  const loaded = await loadManifest(app);
  const wasmBuild = await timed(() => packageApp(loaded, { kind: 'wasm', registry: `${reg.host}/acme` }));
  const containerBuild = await timed(() =>
    packageApp(loaded, { kind: 'container', base, insecure: true, registry: `${reg.host}/acme` }),
  );
  const artifact = wasmBuild.value.images.find((i) => i.service === 'hello')!.image;
  const container = containerBuild.value.images[0]!.image;
  const baseLayers = containerBuild.value.base!.image.layers;
  const layerBytes = (img: Image, i: number) => img.layers.at(i)!.data.byteLength;

  const push = async (image: Image, repo: string, mount?: Map<string, string>) => {
    const ms: number[] = [];
    let last: Awaited<ReturnType<typeof pushImage>> | undefined;
    for (let i = 0; i < RUNS; i++) {
      const r = await timed(() =>
        pushImage(`${reg.host}/${repo}-${i}:1`, image, {
          insecure: true,
          ...(mount ? { mountFrom: mount } : {}),
        }),
      );
      ms.push(r.ms);
      last = r.value;
    }
    return { ms: median(ms), result: last! };
  };
  const pull = async (ref: string) => {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) ms.push((await timed(() => pullImage(ref, { insecure: true }))).ms);
    return median(ms);
  };

  process.stderr.write('bench: push and pull\n');
  const wasmPush = await push(artifact, 'bench/wasm');
  const wasmPull = await pull(`${reg.host}/bench/wasm-0:1`);
  const containerPushFull = await push(container, 'bench/full');
  const mount = new Map(baseLayers.map((l) => [l.descriptor.digest, 'base/node']));
  const containerPushMounted = await push(container, 'bench/mounted', mount);
  const containerPull = await pull(`${reg.host}/bench/full-0:1`);

  process.stderr.write('bench: rebuild with only the app changed\n');
  await writeFile(join(app, 'wasmkube.yaml'), DEMO_MANIFEST.replace('"/greet"', '"/greetings"'));
  const changed = await loadManifest(app);
  const rebuild = await timed(() => packageApp(changed, { kind: 'container', base, insecure: true }));
  const rebuilt = rebuild.value.images[0]!.image;
  const repush = await timed(() => pushImage(`${reg.host}/bench/full-0:2`, rebuilt, { insecure: true }));

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    node: process.version,
    runs: RUNS,
    sizes: {
      wasmArtifactBytes: imageSize(artifact),
      wasmModuleBytes: artifact.layers[0]!.data.byteLength,
      containerImageBytes: imageSize(container),
      baseLayerBytes: baseLayers.reduce((s, l) => s + l.data.byteLength, 0),
      hostLayerBytes: layerBytes(container, -2),
      appLayerBytes: layerBytes(container, -1),
    },
    buildMs: { wasmArtifacts: wasmBuild.ms, containerImage: containerBuild.ms, containerRebuild: rebuild.ms },
    pushMs: {
      wasmArtifact: wasmPush.ms,
      containerImage: containerPushFull.ms,
      containerImageBaseMounted: containerPushMounted.ms,
      containerRebuild: repush.ms,
    },
    pullMs: { wasmArtifact: wasmPull, containerImage: containerPull },
    rebuild: {
      blobsUploaded: repush.value.uploaded.blobs,
      bytesUploaded: repush.value.uploaded.bytes,
      blobsSkipped: repush.value.skipped,
      appLayerChanged:
        rebuilt.layers.at(-1)!.descriptor.digest !== container.layers.at(-1)!.descriptor.digest,
      hostLayerSame: rebuilt.layers.at(-2)!.descriptor.digest === container.layers.at(-2)!.descriptor.digest,
    },
  };
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const s = results.sizes;
  const table = `| | Wasm artifact (hello) | Container image (demo app) |
| --- | --- | --- |
| compressed size | ${kb(s.wasmArtifactBytes)} (module ${kb(s.wasmModuleBytes)}) | ${mb(s.containerImageBytes)} (base ${mb(s.baseLayerBytes)}, host ${mb(s.hostLayerBytes)}, app ${kb(s.appLayerBytes)}) |
| build | ${ms(results.buildMs.wasmArtifacts)} (both services) | ${ms(results.buildMs.containerImage)} (pull base, host + app layers, transpile) |
| push, empty registry | ${ms(results.pushMs.wasmArtifact)} | ${ms(results.pushMs.containerImage)} (base mounted: ${ms(results.pushMs.containerImageBaseMounted)}) |
| pull | ${ms(results.pullMs.wasmArtifact)} | ${ms(results.pullMs.containerImage)} |
| rebuild, app changed: push | – | ${ms(results.pushMs.containerRebuild)}: ${results.rebuild.blobsUploaded} blobs (${kb(results.rebuild.bytesUploaded)}) uploaded, ${results.rebuild.blobsSkipped} skipped |
`;
  process.stdout.write(
    `\n${table}\nmedian of ${RUNS} runs; ${results.machine.cpus} CPUs, ${results.node}, docker-registry on 127.0.0.1\n`,
  );
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'results', 'oci.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await reg.stop();
  await removeTempDirs();
}
