// `wasmkube schema`: prints the JSON Schema of wasmkube.yaml, for editors (yaml-language-server) and CI.

import { manifestJsonSchema } from '../../manifest/index.ts';

export function schema(): void {
  process.stdout.write(`${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
}
