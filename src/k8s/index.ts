// The public API of the Kubernetes folder: render an app to validated objects and files, and deploy,
// inspect or delete it. Deploy functions load @kubernetes/client-node only when called.

export type { DeployOptions, DeploySummary } from './deploy/deploy.ts';
export { sortObjects } from './order.ts';
export { renderApp } from './render/app.ts';
export type { RenderContext, RenderOptions } from './render/context.ts';
export { OUTPUT_FORMATS, type OutputFormat, type RenderResult, renderManifests } from './render.ts';
export { describeObject, groupKind, type KubeObject, objectKey } from './types.ts';
export { validateObjects, validationProblems } from './validate.ts';
export { writeFiles } from './write.ts';
export { toYamlStream } from './yaml.ts';
