import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allJsonSchemas } from '../../src/manifests/jsonschema.js';
import { allCrdFiles, allCrds } from '../../src/kube/crds.js';

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

test('checked-in CRDs in deploy/crds and the Helm chart match the schemas (run `node bin/jetkeeper.js crds --write DIR` for both)', () => {
  for (const [file, text] of Object.entries(allCrdFiles())) {
    for (const dir of ['deploy/crds', 'deploy/helm/jetkeeper/files/crds']) {
      assert.equal(readFileSync(`${root}${dir}/${file}`, 'utf8'), text, `${dir}/${file} is stale`);
    }
  }
});

test('the CRDs keep NACK\'s names, group and version, and are structural (every node typed, no anyOf or const)', () => {
  const names = allCrds().map((c) => (c.metadata as { name: string }).name);
  assert.deepEqual(names, ['streams.jetstream.nats.io', 'consumers.jetstream.nats.io', 'keyvalues.jetstream.nats.io', 'objectstores.jetstream.nats.io', 'accounts.jetstream.nats.io', 'backuppolicies.jetstream.jetkeeper.io']);
  const bad: string[] = [];
  const walk = (node: Record<string, unknown>, path: string) => {
    if (!node.type && !node['x-kubernetes-int-or-string']) bad.push(`${path}: no type`);
    for (const k of ['anyOf', 'oneOf', 'const', 'propertyNames', '$schema']) if (k in node) bad.push(`${path}: ${k}`);
    if (node.additionalProperties === false) bad.push(`${path}: additionalProperties false`);
    for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) walk(v, `${path}.${k}`);
    if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
  };
  for (const crd of allCrds()) {
    const v = (crd.spec as { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> }; subresources: unknown }[] }).versions[0];
    assert.equal(v.name, (crd.spec as { group: string }).group === 'jetstream.nats.io' ? 'v1beta2' : 'v1alpha1');
    assert.deepEqual(v.subresources, { status: {} });
    walk(v.schema.openAPIV3Schema, (crd.metadata as { name: string }).name);
  }
  assert.deepEqual(bad, []);
});
