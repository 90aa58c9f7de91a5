/**
 * The editor schemas in deploy/schema/ (what yaml-language-server uses) agree with validate:
 * they accept the seed's manifests and refuse each broken fixture of test/fixtures/invalid at
 * the field validate names. Fixtures whose fault is not in one document's shape (YAML syntax,
 * a duplicate across documents, a reference to another resource) are outside what a JSON Schema
 * can see; the test names them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import { KINDS } from '../../src/resources/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators: Record<string, ValidateFunction> = Object.fromEntries(KINDS.map((k) => [
  k.kind, ajv.compile(JSON.parse(readFileSync(`${root}deploy/schema/${k.plural}.json`, 'utf8')) as object),
]));

/** Schema errors of one document: against its kind's schema, or against every schema when the kind is none of ours. */
function schemaErrors(data: Record<string, unknown>): ErrorObject[] {
  const own = validators[String(data.kind)];
  if (own) return own(data) ? [] : (own.errors ?? []);
  return Object.values(validators).flatMap((v) => (v(data) ? [] : (v.errors ?? [])));
}

/** The dotted field an ajv error is about (the missing or unknown key included). */
function fieldOf(e: ErrorObject): string {
  const path = e.instancePath.split('/').slice(1);
  const p = e.params as { missingProperty?: string; additionalProperty?: string };
  const key = p.missingProperty ?? p.additionalProperty;
  return [...path, ...(key ? [key] : [])].join('.');
}

const SEED = ['test/fixtures/order-pipeline.yaml', 'test/fixtures/orders-jetstream.yaml', 'examples/order-pipeline/order-pipeline.yaml', 'examples/orders-jetstream.yaml', 'test/fixtures/lint/seed-mistakes.yaml'];

for (const path of SEED) {
  test(`the JSON Schemas accept ${path}`, () => {
    for (const doc of parseManifests(readFileSync(`${root}${path}`, 'utf8'), path)) {
      assert.deepEqual(schemaErrors(doc.data), [], `${path} document ${doc.index}`);
    }
  });
}

/** Not a fault of one document's shape: validate catches these, a JSON Schema cannot. */
const BEYOND_SCHEMA: Record<string, string> = {
  'syntax-error.yaml': 'not YAML: there is no document to check',
  'duplicate.yaml': 'two documents declare the same stream; each is valid alone',
  'unknown-account.yaml': 'names an Account that no other document declares',
};

const dir = `${root}test/fixtures/invalid/`;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
  test(`the JSON Schema refuses invalid/${file} at the field validate names`, () => {
    const text = readFileSync(dir + file, 'utf8');
    if (BEYOND_SCHEMA[file]) {
      const docs = file === 'syntax-error.yaml' ? [] : parseManifests(text, file);
      assert.ok(docs.every((d) => schemaErrors(d.data).length === 0), `${file} is listed as beyond a schema but the schema refuses it`);
      return;
    }
    const [doc] = parseManifests(text, file);
    const v = validateDocuments([doc]);
    assert.ok(v.errors.length > 0, 'validate refuses it');
    const errors = schemaErrors(doc.data);
    assert.ok(errors.length > 0, 'the schema refuses it');
    const fields = errors.map(fieldOf);
    for (const e of v.errors) {
      if (e.field) assert.ok(fields.includes(e.field), `validate names ${e.field}; the schema names ${fields.join(', ')}`);
      else assert.ok(errors.some((x) => doc.positionOf(x.instancePath.split('/').slice(1)).line === e.at?.line), `validate points at line ${e.at?.line}; the schema at ${fields.join(', ')}`);
    }
  });
}

test('a duration the server would refuse is refused while typing (pattern), one it takes is not', () => {
  const stream = (maxAge: string) => ({ apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Stream', metadata: { name: 'o' }, spec: { name: 'O', maxAge } });
  for (const ok of ['24h', '1h30m', '1.5h', '500ms', '0', '']) assert.deepEqual(schemaErrors(stream(ok)), [], ok);
  for (const bad of ['1d', '24', 'h', ' 1h', '-1h']) assert.notDeepEqual(schemaErrors(stream(bad)), [], bad);
  const consumer = { apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Consumer', metadata: { name: 'c' }, spec: { streamName: 'O', durableName: 'c', backoff: ['1s', ''] } };
  assert.deepEqual(schemaErrors(consumer).map(fieldOf), ['spec.backoff.1']);
});

test('manifests.json checks each document of a multi-kind file against its own kind', () => {
  const any = ajv.compile(JSON.parse(readFileSync(`${root}deploy/schema/manifests.json`, 'utf8')) as object);
  for (const doc of parseManifests(readFileSync(`${root}test/fixtures/order-pipeline.yaml`, 'utf8'), 'order-pipeline.yaml')) {
    assert.ok(any(doc.data), JSON.stringify(any.errors));
  }
  const consumerWithStreamField = { apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Consumer', metadata: { name: 'c' }, spec: { streamName: 'O', durableName: 'c', retention: 'limits' } };
  assert.equal(any(consumerWithStreamField), false);
  assert.ok(any.errors?.some((e) => fieldOf(e) === 'spec.retention'));
  assert.equal(any({ apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Steam', metadata: { name: 's' }, spec: {} }), false);
});
