// The defaults of wasmkube.yaml, apart from the schema: `wasmkube up --from` needs them without loading
// zod and the schemas (a start-up cost).

export const DEFAULTS = {
  listen: '127.0.0.1:8080',
  workers: 'auto',
  drainDelay: '5s',
  gracePeriod: '30s',
  headersTimeout: '10s',
  keepAliveTimeout: '5s',
  firstByteTimeout: '5s',
  maxConnections: 4096,
  maxHeaderSize: '16Ki',
  maxUrlLength: '8Ki',
  memory: '128Mi',
  timeout: '30s',
  maxBodySize: '10Mi',
  concurrency: 1000,
  isolation: 'auto',
  mode: 'container',
  replicas: 1,
  minReplicas: 1,
  cpuTarget: 80,
} as const;
