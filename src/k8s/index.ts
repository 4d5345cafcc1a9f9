// The public API of the Kubernetes folder: render an app to validated objects and files, and deploy,
// inspect or delete it. Deploy functions load @kubernetes/client-node only when called.

export type { Cluster, ClusterOptions } from './deploy/client.ts';
export { type DeleteOptions, deleteApp } from './deploy/delete.ts';
export { type DeployOptions, type DeploySummary, deploy } from './deploy/deploy.ts';
export { formatSummary } from './deploy/plan.ts';
export { formatStatus, type ServiceStatus, status } from './deploy/status.ts';
export { sortObjects } from './order.ts';
export { renderApp } from './render/app.ts';
export type { RenderContext, RenderOptions } from './render/context.ts';
export { formatWarning, HOST_MEMORY_FLOOR, type RenderWarning, renderWarnings } from './render/warnings.ts';
export { OUTPUT_FORMATS, type OutputFormat, type RenderResult, renderManifests } from './render.ts';
export { describeObject, groupKind, type KubeObject, objectKey } from './types.ts';
export { validateObjects, validationProblems } from './validate.ts';
export { checkWasmModes } from './wasm-mode.ts';
export { writeFiles } from './write.ts';
export { toYamlStream } from './yaml.ts';
