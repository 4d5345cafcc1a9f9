// The public API of the manifest folder: read wasmkube.yaml into the normalized app model, and the unit
// and route helpers the CLI and the host share with it. Other folders import only from here.

export { formatIssue, ManifestError, type ManifestIssue } from './issues.ts';
export { MANIFEST_SCHEMA_ID, manifestJsonSchema } from './json-schema.ts';
export { REGISTRY_FIX, REGISTRY_PATTERN, TAG_FIX, TAG_PATTERN } from './kubernetes-fields.ts';
export { loadManifest, MANIFEST_FILE_NAMES, parseManifest } from './load.ts';
export { isDnsLabel, toDnsLabel } from './names.ts';
export { parseRoute, RESERVED_PATHS, routeMatches } from './routes.ts';
export { DEFAULTS as MANIFEST_DEFAULTS } from './schema.ts';
export { appManifestForSingleModule } from './single-module.ts';
export type {
  AppKubernetesSettings,
  AppKubernetesSpec,
  AppManifest,
  BuildSpec,
  HostSpec,
  HttpLimits,
  Isolation,
  KubernetesMode,
  KubernetesSpec,
  LimitsSpec,
  ListenAddress,
  LoadedManifest,
  ResourceQuantities,
  Route,
  ServiceSource,
  ServiceSpec,
} from './types.ts';
export { API_VERSION } from './types.ts';
export { DEFAULT_LISTEN_HOST, parseDuration, parseListen, parseSize } from './units.ts';
