import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allJsonSchemas } from '../../src/manifests/jsonschema.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('checked-in JSON Schemas in deploy/schema match the zod schemas (run `npm run gen` after changing a schema)', () => {
  for (const [file, schema] of Object.entries(allJsonSchemas())) {
    const committed = readFileSync(`${root}deploy/schema/${file}`, 'utf8');
    assert.equal(committed, JSON.stringify(schema, null, 2) + '\n', `deploy/schema/${file} is stale`);
  }
});

test('the Stream JSON Schema knows NACK fields, their defaults, and rejects unknown fields', () => {
  const s = allJsonSchemas()['streams.json'] as { properties: { spec: { properties: Record<string, { default?: unknown }>; additionalProperties: boolean } } };
  assert.equal(s.properties.spec.properties.storage.default, 'memory');
  assert.equal(s.properties.spec.properties.retention.default, 'limits');
  assert.ok('subjectTransform' in s.properties.spec.properties);
  assert.equal(s.properties.spec.additionalProperties, false);
});
