// --format kustomize and --format helm: the overlays turn the base into exactly what --env renders, and
// the chart's templates are the rendered documents. The overlays are built in process (RFC 6902 and
// kustomize's `$patch: delete`) and, where kubectl with kustomize v5 is installed, by kustomize itself.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { applyPatch, type PatchOp } from '../../src/k8s/formats/json-patch.ts';
import {
  type KubeObject,
  renderApp,
  renderManifests,
  toYamlStream,
  writeFiles,
} from '../../src/k8s/index.ts';
import { loadManifest } from '../../src/manifest/index.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.yaml`, import.meta.url));
const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as KubeObject);

interface Kustomization {
  resources: string[];
  patches?: { patch: string; target?: { kind: string; name: string; namespace?: string } }[];
}

/** What `kustomize build overlays/ENV` does with the files we write (the parts we use). */
function build(files: Readonly<Record<string, string>>, env: string): KubeObject[] {
  const k = parse(files[`overlays/${env}/kustomization.yaml`] as string) as Kustomization;
  assert.deepEqual(k.resources.slice(0, 1), ['../../base']);
  let objects = docs(files['base/resources.yaml'] as string);
  for (const p of k.patches ?? []) {
    if (p.target === undefined) {
      const del = parse(p.patch) as KubeObject & { $patch: string };
      assert.equal(del.$patch, 'delete');
      objects = objects.filter((o) => !(o.kind === del.kind && o.metadata.name === del.metadata.name));
      continue;
    }
    const t = p.target;
    const matches = objects.filter(
      (o) => o.kind === t.kind && o.metadata.name === t.name && o.metadata.namespace === t.namespace,
    );
    assert.equal(matches.length, 1, `patch target ${JSON.stringify(t)} matches one object`);
    objects = objects.map((o) => (o === matches[0] ? applyPatch(o, JSON.parse(p.patch) as PatchOp[]) : o));
  }
  if (k.resources.includes('resources.yaml'))
    objects.push(...docs(files[`overlays/${env}/resources.yaml`] as string));
  return objects;
}

const byKey = (objects: readonly KubeObject[]) =>
  Object.fromEntries(objects.map((o) => [`${o.apiVersion} ${o.kind} ${o.metadata.name}`, o]));

describe('--format kustomize', () => {
  for (const name of ['overrides', 'shop']) {
    it(`${name}: base + overlay builds to exactly the --env render`, async () => {
      const path =
        name === 'shop' ? fileURLToPath(new URL('../../examples/shop', import.meta.url)) : fixture(name);
      const { app } = await loadManifest(path);
      const { files } = await renderManifests(app, { format: 'kustomize' });
      assert.deepEqual(
        docs(files['base/resources.yaml'] as string),
        JSON.parse(JSON.stringify(renderApp(app))),
      );
      for (const env of Object.keys(app.kubernetes?.environments ?? {})) {
        const want = JSON.parse(JSON.stringify(renderApp(app, { env })));
        assert.deepEqual(byKey(build(files, env)), byKey(want));
      }
    });
  }

  it('objects only an environment has are overlay resources; objects it drops are deleted', async () => {
    const { app } = await loadManifest(fixture('overrides'));
    const { files } = await renderManifests(app, { format: 'kustomize' });
    // The base has no Namespace (default) and no Ingress; prod adds them.
    const added = docs(files['overlays/prod/resources.yaml'] as string).map(
      (o) => `${o.kind}/${o.metadata.name}`,
    );
    assert.deepEqual(added.sort(), ['Ingress/tuned', 'Ingress/tuned-jobs', 'Namespace/tuned-prod']);
    // prod turns db's PodDisruptionBudget off.
    const k = parse(files['overlays/prod/kustomization.yaml'] as string) as Kustomization;
    const deletions = (k.patches ?? []).filter((p) => p.target === undefined).map((p) => parse(p.patch));
    assert.deepEqual(deletions, [
      {
        $patch: 'delete',
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'db', namespace: 'default' },
      },
    ]);
  });
});

describe('--format helm', () => {
  /** What `helm template -n NAMESPACE` prints for a template, with the chart's values. */
  const helmTemplate = (text: string, values: { image: { registry: string; tag: string } }, ns: string) =>
    text
      .replaceAll('{{ .Values.image.registry }}', values.image.registry)
      .replaceAll('{{ .Values.image.tag }}', values.image.tag)
      .replaceAll('{{ .Release.Namespace }}', ns)
      .replaceAll('{{ "{{" }}', '{{');

  it('with the default values, helm template prints the rendered documents but the Namespace', async () => {
    const { app } = await loadManifest(fixture('options'));
    const objects = renderApp(app);
    const { files } = await renderManifests(app, { format: 'helm' });
    const chart = parse(files['Chart.yaml'] as string);
    assert.deepEqual(chart, {
      apiVersion: 'v2',
      appVersion: 'v2.0.0',
      description: 'options, rendered by wasmkube k8s render',
      name: 'options',
      type: 'application',
      version: '2.0.0',
    });
    const values = parse(files['values.yaml'] as string);
    assert.deepEqual(values, { image: { registry: '127.0.0.1:5000/acme', tag: 'v2.0.0' } });
    const templates = Object.keys(files)
      .filter((f) => f.startsWith('templates/'))
      .sort();
    const kept = objects.filter((o) => o.kind !== 'Namespace');
    assert.equal(
      kept.length,
      objects.length - 1,
      'the chart leaves the Namespace to helm --create-namespace',
    );
    assert.equal(templates.length, kept.length);
    const printed = templates.map((t) => helmTemplate(files[t] as string, values, 'opts')).join('---\n');
    assert.equal(`---\n${printed}`, toYamlStream(kept));
    // No literal namespace and no literal image at the default tag: both come from the release and values.
    const text = templates.map((t) => files[t] as string).join('');
    assert.ok(!/namespace: opts\n/.test(text), 'namespace: {{ .Release.Namespace }}');
    assert.match(
      text,
      /image: \{\{ \.Values\.image\.registry \}\}\/options:\{\{ \.Values\.image\.tag \}\}\n/,
    );
    assert.ok(!text.includes('127.0.0.1:5000/acme/options:v2.0.0'));
    // Only our expressions are unescaped: a value with {{ in it stays literal.
    const ours = /\{\{ (?:"\{\{"|\.Values\.image\.(?:registry|tag)|\.Release\.Namespace) \}\}/g;
    assert.ok(!/\{\{/.test(text.replace(ours, '')), 'no unescaped {{ left');
  });

  it('other values and release namespaces change the images and namespaces only', async () => {
    const { app } = await loadManifest(fixture('options'));
    const { files } = await renderManifests(app, { format: 'helm' });
    const values = { image: { registry: '127.0.0.1:5000/team', tag: '3.0.0' } };
    const printed = Object.keys(files)
      .filter((f) => f.startsWith('templates/'))
      .sort()
      .map((t) => helmTemplate(files[t] as string, values, 'staging'))
      .join('---\n');
    const expected = renderApp(app, { registry: '127.0.0.1:5000/team', tag: '3.0.0', namespace: 'staging' })
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => {
        // The version label follows the render's tag, not the value: it is chart metadata.
        const text = toYamlStream([o]);
        return text.replaceAll('app.kubernetes.io/version: 3.0.0', 'app.kubernetes.io/version: v2.0.0');
      })
      .join('');
    assert.equal(`---\n${printed}`, expected);
  });
});

describe('--format kustomize with a real kustomize', () => {
  it('`kubectl kustomize overlays/ENV` builds the --env render', async (t) => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.status !== 0 || !/Kustomize Version: v[5-9]/.test(kubectl.stdout)) {
      t.skip(
        'no kubectl with kustomize v5+ on PATH (Debian ships 1.20); the in-process build above covers the same files',
      );
      return;
    }
    for (const path of [
      fileURLToPath(new URL('../../examples/shop', import.meta.url)),
      fixture('overrides'),
    ]) {
      const { app } = await loadManifest(path);
      const dir = await mkdtemp(join(tmpdir(), 'wasmkube-kustomize-'));
      await writeFiles(dir, (await renderManifests(app, { format: 'kustomize' })).files);
      for (const [overlay, env] of [
        ['base', undefined],
        ['overlays/prod', 'prod'],
      ] as const) {
        const out = spawnSync('kubectl', ['kustomize', join(dir, overlay)], { encoding: 'utf8' });
        assert.equal(out.status, 0, out.stderr);
        const want = JSON.parse(JSON.stringify(renderApp(app, env === undefined ? {} : { env })));
        assert.deepEqual(byKey(docs(out.stdout)), byKey(want), `${path} ${overlay}`);
      }
    }
  });
});
