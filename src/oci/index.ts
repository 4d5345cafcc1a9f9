// The public API of the OCI folder: build Wasm artifacts and container images, write and read OCI
// layouts, push, pull and run from a registry. Other folders import only from here.

export { APP_DIR } from './app-layer.ts';
export { buildContainerImage, DEFAULT_BASE, DEFAULT_USER, dockerfile, PORT } from './container-image.ts';
export { type Credentials, credentialsFor, dockerConfigPath } from './credentials.ts';
export { blobOf, canonicalJson, sha256, verifyDigest } from './digest.ts';
export { hostImportGraph, hostLayerFiles, packageClosure } from './host-layer.ts';
export { assembleImage, imageBlobs, imageSize } from './image.ts';
export { type ImageTarget, type ImageTargetOptions, imageTarget, parseRegistry } from './image-target.ts';
export { type InsecureScope, insecureByEnv, isLoopbackRegistry, plainHttpAllowed } from './insecure.ts';
export { layoutFiles, layoutTar, type NamedImage, readLayout, writeLayoutDir } from './layout.ts';
export { buildNodeBaseImage, type NodeBaseImageOptions, nodeBasePlatform } from './node-base-image.ts';
export {
  type ImageKind,
  type PackagedApp,
  type PackagedImage,
  type PackageOptions,
  packageApp,
  writeDockerContext,
} from './package-app.ts';
export { type PulledImage, type PullOptions, parsePlatform, pullImage } from './pull.ts';
export { loadPulledApp } from './pulled-app.ts';
export { type PushOptions, type PushResult, pushImage } from './push.ts';
export { formatReference, parseReference, type Reference } from './reference.ts';
export { type BlobPushResult, RegistryClient, type RegistryClientOptions } from './registry-client.ts';
export {
  type Resolved,
  resolveOciRef,
  resolveOciSources,
  resolveUpTarget,
} from './run-from-registry.ts';
export { deterministicGzip, deterministicTar, type LayerFile, readTar } from './tar-gzip.ts';
export { type Blob, type Descriptor, type Image, MEDIA } from './types.ts';
export { type ArtifactFormat, buildWasmArtifact } from './wasm-artifact.ts';
