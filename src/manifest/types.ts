// The normalized app model that the host, the CLI and the Kubernetes renderer read: every default filled
// in, every unit converted, so no consumer parses `64Mi` or `10s` again.

import type { AppKubernetesInput } from './kubernetes-app-schema.ts';
import type { ServiceKubernetesInput } from './kubernetes-schema.ts';
import type { Route } from './routes.ts';
import type { ListenAddress } from './units.ts';

export type { ListenAddress, Route };

/** The only apiVersion this release reads. */
export const API_VERSION = 'wasmkube.dev/v1alpha1';

export interface AppManifest {
  readonly apiVersion: typeof API_VERSION;
  /** DNS-1123 label. */
  readonly name: string;
  readonly host: HostSpec;
  /** Sorted by name. */
  readonly services: readonly ServiceSpec[];
  /** App-wide Kubernetes settings, only when the manifest has a `kubernetes:` block. */
  readonly kubernetes?: AppKubernetesSpec;
}

/** App-wide Kubernetes settings as written (the renderer applies their defaults). */
export type AppKubernetesSettings = Omit<AppKubernetesInput, 'environments'>;

export interface AppKubernetesSpec extends AppKubernetesSettings {
  /** Per environment: the merged app settings and every service's merged, normalized kubernetes block. */
  readonly environments?: Readonly<
    Record<
      string,
      {
        readonly settings: AppKubernetesSettings;
        readonly services: Readonly<Record<string, KubernetesSpec>>;
      }
    >
  >;
}

/** Per-service settings the renderer reads as written: see kubernetes-schema.ts for each one's meaning. */
export type KubernetesExtras = Omit<
  ServiceKubernetesInput,
  'mode' | 'replicas' | 'runtimeClassName' | 'resources' | 'autoscaling'
>;

export interface HostSpec {
  /** @default { host: '127.0.0.1', port: 8080 } */
  readonly listen: ListenAddress;
  /** `'auto'` means one worker per CPU. @default 'auto' */
  readonly workers: number | 'auto';
  readonly shutdown: {
    /** How long /ready answers 503 while the listener still accepts, so load balancers notice. @default 5000 */
    readonly drainDelayMs: number;
    /** How long in-flight requests get to finish after the drain delay. @default 30000 */
    readonly gracePeriodMs: number;
  };
  /** Limits on client connections and request heads, per worker (see README, Connections). */
  readonly http: HttpLimits;
}

/** What a client may cost the host before its request reaches a service. */
export interface HttpLimits {
  /** Time from the connection (or the previous response) until the whole request head is in; 408 after. @default 10000 */
  readonly headersTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. @default 5000 */
  readonly keepAliveTimeoutMs: number;
  /** How long a new connection may stay silent before its first byte; closed without a word after. @default 5000 */
  readonly firstByteTimeoutMs: number;
  /** Open connections per worker; beyond it new connections are closed as soon as they are accepted. @default 4096 */
  readonly maxConnections: number;
  /** Request line and headers together; 431 beyond. @default 16384 */
  readonly maxHeaderBytes: number;
  /** Request target length; 414 beyond. @default 8192 */
  readonly maxUrlBytes: number;
}

export type ServiceSource =
  | {
      readonly kind: 'file';
      /** Absolute when loaded with `loadManifest`, as written when parsed with `parseManifest`. */
      readonly path: string;
    }
  | {
      readonly kind: 'oci';
      /** The reference without `oci://`, e.g. `ghcr.io/acme/orders:1.2.0`. */
      readonly ref: string;
    };

export interface BuildSpec {
  /** Shell command that produces the service's `source`. */
  readonly command: string;
  /** Absolute when loaded with `loadManifest`; as written (default `.`) when parsed with `parseManifest`. */
  readonly workdir: string;
  /** Globs, relative to the manifest folder, whose changes trigger a rebuild. @default [] */
  readonly watch: readonly string[];
}

export interface LimitsSpec {
  /** Cap on the guest's linear memory. @default 134217728 (128Mi) */
  readonly memoryBytes: number;
  /** Request deadline. @default 30000 */
  readonly timeoutMs: number;
  /** Request body limit. @default 10485760 (10Mi) */
  readonly maxBodyBytes: number;
  /** Max in-flight requests for this service per worker. @default 1000 */
  readonly concurrency: number;
}

/** `'auto'`: reuse instances for components, a fresh instance per request for WAGI modules. */
export type Isolation = 'reuse' | 'fresh' | 'auto';

export type KubernetesMode = 'container' | 'wasm' | 'knative' | 'stateful';

/** Kubernetes resource quantities, as written (`100m`, `64Mi`). */
export interface ResourceQuantities {
  readonly cpu?: string;
  readonly memory?: string;
}

export interface KubernetesSpec extends KubernetesExtras {
  /** @default 'container' */
  readonly mode: KubernetesMode;
  /** @default 1 */
  readonly replicas: number;
  /** Only with mode `wasm`. @see https://kubernetes.io/docs/concepts/containers/runtime-class/ */
  readonly runtimeClassName?: string;
  /** @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ */
  readonly resources: { readonly requests: ResourceQuantities; readonly limits: ResourceQuantities };
  /** @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/ */
  readonly autoscaling?: {
    /** @default 1 */
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** Target average CPU utilization in percent of requests; 80 when neither cpu nor memory is set. */
    readonly cpu?: number;
    /** Target average memory utilization in percent of requests. */
    readonly memory?: number;
  };
}

export interface ServiceSpec {
  /** DNS-1123 label, the key under `services`. */
  readonly name: string;
  readonly source: ServiceSource;
  readonly build?: BuildSpec;
  readonly routes: readonly Route[];
  /** @default {} */
  readonly env: Readonly<Record<string, string>>;
  /** `scheme://host[:port]` origins the guest may call; nothing else. @default [] */
  readonly allowedOutboundHosts: readonly string[];
  readonly limits: LimitsSpec;
  /** @default 'auto' */
  readonly isolation: Isolation;
  readonly kubernetes: KubernetesSpec;
}

/** A manifest read from disk. */
export interface LoadedManifest {
  /** Absolute path of the manifest file. */
  readonly file: string;
  /** Absolute path of the folder it is in; relative paths in it resolve against this. */
  readonly dir: string;
  readonly app: AppManifest;
}
