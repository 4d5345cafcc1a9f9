// The plain-object shape every renderer returns and every later step (validation, YAML, deploy) reads:
// Kubernetes objects as data, cdk8s style, with nothing but apiVersion, kind and metadata assumed.

/** One Kubernetes object, as it goes into YAML or to the API server. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** `group/Kind`, with an empty group for the core API: how order, validation and pruning key kinds. */
export function groupKind(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const slash = obj.apiVersion.indexOf('/');
  return `${slash < 0 ? '' : obj.apiVersion.slice(0, slash)}/${obj.kind}`;
}

/** `group/Kind namespace/name`: unique per object in a cluster. */
export function objectKey(obj: KubeObject): string {
  return `${groupKind(obj)} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** How people read an object in messages: `Deployment shop/orders`. */
export function describeObject(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind} ${ns === undefined ? '' : `${ns}/`}${obj.metadata.name}`;
}
