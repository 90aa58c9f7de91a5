/**
 * explain reads the field tables, descriptions, JSON Schema and lint rules: a field's meaning,
 * allowed values, NACK's and the server's defaults, version, change class and rules; partial
 * names list fields; unknown ones are JK1203 with a "did you mean".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, renderExplain, type FieldExplanation } from '../../src/lint/explain.js';
import { JkError } from '../../src/errors.js';
import { KINDS, SECURITY_KINDS } from '../../src/resources/index.js';
import { knownKeysAt } from '../../src/manifests/validate.js';
import { fieldDescription } from '../../src/resources/descriptions.js';
import { RULES } from '../../src/lint/index.js';

const field = (q: string): FieldExplanation => {
  const r = explain(q);
  assert.equal(r.type, 'field');
  return (r as { field: FieldExplanation }).field;
};

test('stream.retention: meaning, values, both defaults, change class and its rules', () => {
  const f = field('stream.retention');
  assert.match(f.description ?? '', /workqueue/);
  assert.equal(f.allowed, '"limits" | "interest" | "workqueue"');
  assert.equal(f.nackDefault, 'limits');
  assert.equal(f.serverDefault, 'limits');
  assert.equal(f.apiField, 'retention');
  assert.equal(f.change, 'create');
  assert.deepEqual(f.lintRules.map((r) => r.id), ['JKL006', 'JKL007']);
});

test("consumer.ackWait says NACK's 1ns is not applied and the server uses 30s", () => {
  const f = field('consumer.ackWait');
  assert.match(String(f.nackDefault), /^1ns .*nack#136/);
  assert.match(String(f.serverDefault), /^30s/);
  assert.match(f.allowed, /Go duration/);
  assert.deepEqual(f.lintRules.map((r) => r.id), ['JKL009', 'JKL010']);
});

test('version gates come from the table: whole fields and single values', () => {
  assert.equal(field('stream.metadata').since, '2.10.0');
  assert.deepEqual([field('stream.allowMsgTtl').since, field('stream.allowMsgTtl').apiLevel, field('stream.allowMsgTtl').change], ['2.11.0', 1, 'turnOn']);
  assert.deepEqual(field('consumer.ackPolicy').valueSince, [{ what: 'ackPolicy: flow_control', since: '2.14.0' }]);
  assert.equal(field('stream.storage').nackDefault, 'memory');
  assert.equal(field('stream.storage').serverDefault, 'file');
});

test('kinds by any alias, field names case-insensitively; text names the same facts', () => {
  assert.equal(field('streams.MAXAGE').field, 'maxAge');
  assert.equal(field('kv.history').kind, 'KeyValue');
  const text = renderExplain(explain('stream.replicas'));
  assert.match(text, /^stream\.replicas {2}\(API: num_replicas\)/);
  assert.match(text, /allowed: {8}an integer from 1 to 5/);
  assert.match(text, /JKL001 stream-single-replica/);
});

test('no argument lists the kinds; a kind or a partial name lists matching fields', () => {
  const kinds = explain();
  assert.equal(kinds.type, 'kinds');
  assert.deepEqual((kinds as { kinds: { prefix: string }[] }).kinds.map((k) => k.prefix), ['stream', 'consumer', 'keyvalue', 'objectstore', 'account']);
  const partial = explain('stream.max');
  assert.equal(partial.type, 'fields');
  assert.deepEqual((partial as { fields: { field: string }[] }).fields.map((f) => f.field), ['maxConsumers', 'maxMsgs', 'maxBytes', 'maxAge', 'maxMsgsPerSubject', 'maxMsgSize']);
  assert.equal(explain('consumer').type, 'fields');
});

test('unknown kinds and fields are JK1203 with a suggestion', () => {
  assert.throws(() => explain('stream.rentention'), (e: JkError) => e.code === 'JK1203' && /did you mean "retention"/.test(e.fix ?? ''));
  assert.throws(() => explain('steam.retention'), (e: JkError) => e.code === 'JK1203' && /did you mean "stream"/.test(e.fix ?? ''));
});

test('every field of every kind has a description, and every rule field names a real field', () => {
  for (const k of KINDS) {
    for (const f of knownKeysAt(k.schema, [])) assert.ok(fieldDescription(k.kind, f), `${k.kind}.${f} has no description`);
  }
  const all = new Set([...KINDS, ...SECURITY_KINDS].flatMap((k) => knownKeysAt(k.schema, []).map((f) => `${k.kind.toLowerCase()}.${f}`)));
  for (const r of RULES) for (const f of r.fields) assert.ok(all.has(f), `${r.id} names ${f}`);
});

test('a field name without its kind finds it in every kind', () => {
  assert.equal(field('ackWait').kind, 'Consumer');
  const r = explain('replicas');
  assert.equal(r.type, 'matches');
  assert.deepEqual((r as { matches: { name: string }[] }).matches.map((m) => m.name), ['stream.replicas', 'consumer.replicas', 'keyvalue.replicas', 'objectstore.replicas']);
  assert.match(renderExplain(r), /keyvalue\.replicas/);
  assert.deepEqual(explain('stream.'), explain('stream'));
});

test('kinds without a field table take their version gates from the kind (KeyValue limitMarkerTtl needs 2.11)', () => {
  assert.equal(field('kv.limitMarkerTtl').since, '2.11.0');
  assert.deepEqual(field('kv.sources').valueSince, [{ what: 'sources[].consumer', since: '2.14.0' }]);
  assert.equal(field('obj.compression').since, '2.10.0');
  assert.equal(field('kv.history').since, undefined);
});
