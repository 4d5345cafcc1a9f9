// Offline validation of rendered objects against the official schemas: kubernetes-models (and its Istio,
// Knative and prometheus-operator packages) for the kinds they cover, the upstream CRDs in ./crds for
// Gateway API, KEDA and runtime-class-manager. Every problem names the object, the field and the fix.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { WasmkubeError } from '../errors.ts';
import { describeObject, groupKind, type KubeObject } from './types.ts';
import { unknownFieldProblems } from './unknown-fields.ts';

/** Which npm package has the model of an API group. */
const PACKAGES: Readonly<Record<string, string>> = {
  'serving.knative.dev': '@kubernetes-models/knative',
  'networking.istio.io': '@kubernetes-models/istio',
  'extensions.istio.io': '@kubernetes-models/istio',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

/** CRD files (copied unchanged from upstream) per API group, for kinds no package covers. */
const CRDS: Readonly<Record<string, string>> = {
  'gateway.networking.k8s.io/HTTPRoute': 'gateway-api-httproute.yaml',
  'keda.sh/ScaledObject': 'keda-scaledobject.yaml',
  'runtime.spinkube.dev/Shim': 'runtime-class-manager-shim.yaml',
};

const CORE_GROUPS = /^(|apps|autoscaling|batch|policy|[a-z0-9.-]*\.k8s\.io)$/;

export interface ValidationProblem {
  readonly object: string;
  /** JSON pointer into the object, e.g. `/spec/template/spec/containers/0/image`. */
  readonly path: string;
  readonly message: string;
}

type Check = (obj: KubeObject) => ValidationProblem[];
const checks = new Map<string, Promise<Check>>();

function modulePath(obj: KubeObject): string | undefined {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  const pkg =
    PACKAGES[group] ??
    (CORE_GROUPS.test(group) && !(groupKind(obj) in CRDS) ? 'kubernetes-models' : undefined);
  return pkg === undefined ? undefined : `${pkg}/${obj.apiVersion}/${obj.kind}`;
}

/**
 * The validator copy a package registered its schemas with. npm may install a package's own copy of
 * @kubernetes-models/validate next to the shared base's (it does for the Istio models here); a model's
 * validate() then looks its schema up in the wrong registry.
 */
async function nestedValidator(pkg: string): Promise<(id: string, data: unknown) => void> {
  const fromHere = createRequire(import.meta.url);
  const fromPkg = createRequire(fromHere.resolve(pkg));
  const cjs = fromPkg.resolve('@kubernetes-models/validate');
  const mod = (await import(pathToFileURL(join(dirname(cjs), 'index.node.mjs')).href)) as {
    validate: (id: string, data: unknown) => void;
    register: (id: string, schema: object) => void;
  };
  return (id, data) => {
    // That copy also lacks the shared apimachinery schemas (ObjectMeta): our renderer writes metadata,
    // so stand in an open object for each missing one and check the rest.
    for (let tries = 0; ; tries++) {
      try {
        return mod.validate(id, data);
      } catch (err) {
        const missing = (err as { missingSchema?: string }).missingSchema;
        if (missing === undefined || tries > 20) throw err;
        mod.register(missing, { type: 'object' });
      }
    }
  };
}

async function modelCheck(path: string): Promise<Check> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(path)) as Record<string, unknown>;
  } catch (cause) {
    throw new WasmkubeError('INTERNAL', `no schema for ${path}`, { cause });
  }
  const kind = path.slice(path.lastIndexOf('/') + 1);
  const Model = mod[kind] as new (data: unknown) => { validate(): void; toJSON(): unknown };
  const pkg = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : (path.split('/')[0] as string);
  let fallback: ((id: string, data: unknown) => void) | undefined;
  try {
    new Model({ apiVersion: 'x', kind: 'x', metadata: { name: 'x' } }).validate();
  } catch (err) {
    if (/no schema with key or ref/.test((err as Error).message)) fallback = await nestedValidator(pkg);
  }
  return (obj) => {
    try {
      if (fallback === undefined) new Model(obj).validate();
      else fallback(`${obj.apiVersion.replace('/', '.')}.${obj.kind}`, new Model(obj).toJSON());
      return [];
    } catch (err) {
      const errors = (err as { errors?: { instancePath: string; message?: string; params?: unknown }[] })
        .errors;
      if (errors === undefined) throw err;
      return errors.map((e) => ({
        object: describeObject(obj),
        path: e.instancePath,
        message: ajvMessage(e),
      }));
    }
  };
}

function ajvMessage(e: { message?: string; params?: unknown; keyword?: string }): string {
  const params = e.params as { allowedValues?: unknown[]; additionalProperty?: string } | undefined;
  if (params?.allowedValues !== undefined) return `${e.message}: ${params.allowedValues.join(', ')}`;
  if (params?.additionalProperty !== undefined) return `has unknown field '${params.additionalProperty}'`;
  return e.message ?? 'is invalid';
}

/** A CRD's openAPIV3Schema made strict where Kubernetes prunes: unknown fields are typos there. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? mapValues(v, strict) : strict(v);
  if (
    out.properties !== undefined &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(obj: unknown, f: (v: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj as Record<string, unknown>).map(([k, v]) => [k, f(v)]));
}

async function crdCheck(file: string, version: string): Promise<Check> {
  const text = readFileSync(fileURLToPath(new URL(`./crds/${file}`, import.meta.url)), 'utf8');
  const crd = parseAllDocuments(text)
    .map((d) => d.toJS())
    .find((d) => d?.kind === 'CustomResourceDefinition') as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
  };
  const found = crd.spec.versions.find((v) => v.name === version);
  if (found === undefined) throw new WasmkubeError('INTERNAL', `${file} has no version ${version}`);
  const schema = strict(found.schema.openAPIV3Schema) as Record<string, unknown>;
  // metadata is checked by the API server, not by CRD schemas; keep it open here.
  (schema.properties as Record<string, unknown>).metadata = { type: 'object' };
  const { Ajv } = (await import('ajv')) as unknown as { Ajv: new (opts: object) => AjvLike };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  return (obj) =>
    validate(obj)
      ? []
      : (validate.errors ?? []).map((e) => ({
          object: describeObject(obj),
          path: e.instancePath,
          message: ajvMessage(e),
        }));
}

interface AjvLike {
  compile(schema: object): ((data: unknown) => boolean) & {
    errors?: { instancePath: string; message?: string; params?: unknown; keyword?: string }[] | null;
  };
}

function checkFor(obj: KubeObject): Promise<Check> {
  const key = `${obj.apiVersion}/${obj.kind}`;
  let check = checks.get(key);
  if (check === undefined) {
    const crd = CRDS[groupKind(obj)];
    const path = modulePath(obj);
    if (crd !== undefined) check = crdCheck(crd, obj.apiVersion.slice(obj.apiVersion.indexOf('/') + 1));
    else if (path !== undefined) check = modelCheck(path);
    else check = Promise.reject(new WasmkubeError('INTERNAL', `no schema known for ${key}`));
    checks.set(key, check);
  }
  return check;
}

/** Every schema problem of every object; empty when all are valid. */
export async function validationProblems(objects: readonly KubeObject[]): Promise<ValidationProblem[]> {
  const out: ValidationProblem[] = [];
  for (const obj of objects) out.push(...(await checkFor(obj))(obj));
  out.push(...(await unknownFieldProblems(objects)));
  return out;
}

/** Where in wasmkube.yaml an object's settings come from, for the fix. */
function settingsOf(obj: KubeObject): string {
  const service =
    obj.metadata.labels?.['app.kubernetes.io/component'] === 'service'
      ? obj.metadata.labels['app.kubernetes.io/name']
      : undefined;
  return service === undefined ? 'kubernetes' : `services.${service}.kubernetes`;
}

/**
 * Validates objects, throwing one error that lists every problem.
 * @throws WasmkubeError K8S_INVALID naming each object, field path and what is wrong
 */
export async function validateObjects(objects: readonly KubeObject[]): Promise<void> {
  const problems = await validationProblems(objects);
  if (problems.length === 0) return;
  const where = [
    ...new Set(
      problems.map((p) => settingsOf(objects.find((o) => describeObject(o) === p.object) as KubeObject)),
    ),
  ];
  throw new WasmkubeError(
    'K8S_INVALID',
    problems
      .map(
        (p) => `${p.object}: ${p.path.replaceAll('/', '.').replace(/^\./, '') || '(object)'}: ${p.message}`,
      )
      .join('\n'),
    {
      fix: `correct ${where.join(' and ')} in wasmkube.yaml: values under podTemplate, trafficPolicy and keda.triggers go to Kubernetes as written`,
    },
  );
}
