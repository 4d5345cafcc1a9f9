// The editor JSON Schema: generated from the zod schema, so these checks guard its identity, strictness
// and a few shapes editors rely on, not every field.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MANIFEST_SCHEMA_ID, manifestJsonSchema } from '../../src/manifest/index.ts';

type Schema = Record<string, unknown> & {
  properties: Record<string, Schema>;
  additionalProperties?: unknown;
};

describe('manifestJsonSchema', () => {
  const schema = manifestJsonSchema() as Schema;

  it('is a draft 2020-12 schema with an $id and a title', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.$id, MANIFEST_SCHEMA_ID);
    assert.equal(schema.$id, 'https://wasmkube.dev/schema/v1alpha1/app.json');
    assert.equal(typeof schema.title, 'string');
  });

  it('is strict at the top and requires apiVersion, name and services', () => {
    assert.equal(schema.type, 'object');
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ['apiVersion', 'name', 'services']);
    assert.ok('services' in schema.properties);
    assert.equal(schema.properties.apiVersion.const, 'wasmkube.dev/v1alpha1');
  });

  it('describes services as a map of strict service objects', () => {
    const services = schema.properties.services;
    assert.equal(services.minProperties, 1);
    assert.equal(typeof services.description, 'string');
    const service = services.additionalProperties as Schema;
    assert.equal(service.additionalProperties, false);
    assert.deepEqual(service.required, ['source', 'routes']);
    const limits = service.properties.limits;
    assert.equal(limits.additionalProperties, false);
    assert.equal(limits.properties.memory.default, '128Mi');
    assert.equal(typeof limits.properties.memory.description, 'string');
  });

  it('is plain JSON and the same on every call', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
    assert.equal(JSON.stringify(manifestJsonSchema()), JSON.stringify(schema));
  });
});
