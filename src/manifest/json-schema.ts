// The JSON Schema of wasmkube.yaml for editors (yaml-language-server, VS Code), generated from the zod
// schema so the two cannot drift. It describes what users write, not the normalized model.

import * as z from 'zod';
import { ManifestSchema } from './schema.ts';

export const MANIFEST_SCHEMA_ID = 'https://wasmkube.dev/schema/v1alpha1/app.json';

/** A draft 2020-12 JSON Schema of the manifest as written; a fresh object on every call. */
export function manifestJsonSchema(): Record<string, unknown> {
  const { $schema, title, description, ...rest } = z.toJSONSchema(ManifestSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { $schema, $id: MANIFEST_SCHEMA_ID, title, description, ...rest };
}
