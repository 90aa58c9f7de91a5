import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONSUMER_FIELDS } from '../../src/resources/consumer/fields.js';
import { consumerKind, type ConsumerApiConfig } from '../../src/resources/consumer/index.js';
import { consumerCreateOnly, consumerUpdatable } from '../../src/resources/consumer/schema.js';
import { featuresOf, immutablesOf, type FieldTable } from '../../src/resources/fields.js';
import { STREAM_FIELDS } from '../../src/resources/stream/fields.js';
import { streamKind, type StreamApiConfig } from '../../src/resources/stream/index.js';
import { streamCreateOnly, streamUpdatable } from '../../src/resources/stream/schema.js';
import { CONNECTION_KEYS } from '../../src/resources/common.js';

const tables: { kind: string; table: FieldTable; updatable: object; createOnly: object; k: typeof streamKind | typeof consumerKind }[] = [
  { kind: 'Stream', table: STREAM_FIELDS, updatable: streamUpdatable, createOnly: streamCreateOnly, k: streamKind },
  { kind: 'Consumer', table: CONSUMER_FIELDS, updatable: consumerUpdatable, createOnly: consumerCreateOnly, k: consumerKind },
];

for (const { kind, table, updatable, createOnly, k } of tables) {
  describe(`${kind} field table`, () => {
    test('every spec field but the connection fields has exactly one row', () => {
      const shape = Object.keys((k.schema as unknown as { _def: { schema?: { shape: object } } })._def.schema?.shape ?? {});
      const specFields = shape.length ? shape : [...Object.keys(updatable), ...Object.keys(createOnly)];
      assert.deepEqual(specFields.filter((f) => !CONNECTION_KEYS.includes(f)).sort(), Object.keys(table).sort());
    });
    test('the updatable split holds the update rows, the create-only split the create and turn-on rows', () => {
      assert.deepEqual(Object.keys(updatable).sort(), Object.keys(table).filter((f) => table[f].change === 'update').sort());
      assert.deepEqual(Object.keys(createOnly).sort(), Object.keys(table).filter((f) => table[f].change !== 'update').sort());
    });
    test('the kind refuses exactly the create-only and turn-on fields, each with the server\'s reason', () => {
      const refused = Object.values(table).filter((d) => d.change !== 'update' && d.api).map((d) => d.api);
      assert.deepEqual(k.immutable.map((r) => r.field).sort(), refused.sort());
      for (const r of k.immutable) assert.ok(r.reason.length > 10, r.field);
      assert.deepEqual(immutablesOf(table).map((r) => r.field), k.immutable.map((r) => r.field));
    });
    test('every API field has its spec name, and the kind gates exactly the versioned rows', () => {
      for (const [spec, d] of Object.entries(table)) if (d.api) assert.equal(k.specFields[d.api], spec);
      assert.deepEqual(featuresOf(table), [...k.features]);
    });
  });
}

describe('turn-on-only stream fields', () => {
  const turnOn = Object.entries(STREAM_FIELDS).filter(([, d]) => d.change === 'turnOn').map(([, d]) => d.api);
  test('are sealed, denyDelete, denyPurge, allowMsgTtl and allowMsgSchedules', () => {
    assert.deepEqual(turnOn.sort(), ['allow_msg_schedules', 'allow_msg_ttl', 'deny_delete', 'deny_purge', 'sealed']);
  });
  test('can be turned on in place but not off', () => {
    for (const api of turnOn) {
      const rule = streamKind.immutable.find((r) => r.field === api)!;
      assert.equal(rule.when!(false, true), false, `${api} on`);
      assert.equal(rule.when!(true, false), true, `${api} off`);
    }
  });
});

describe('feature table', () => {
  test('lists gates oldest version first and carries the API level the server requires', () => {
    const since = streamKind.features.filter((f) => !f.uses).map((f) => f.since);
    assert.deepEqual(since, [...since].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    assert.equal(streamKind.features.find((f) => f.field === 'allow_batched')?.apiLevel, 4);
    assert.equal(consumerKind.features.find((f) => f.field === 'ack_policy')?.apiLevel, 4);
  });
  test('max_consumers is updatable (nats-server 2.15.2 changes it in place)', () => {
    assert.equal(STREAM_FIELDS.maxConsumers.change, 'update');
  });
});

describe('API config types read off the tables', () => {
  test('streamToApi and consumerToApi return the wire fields with their wire types', () => {
    const stream: StreamApiConfig = streamKind.toApi(streamKind.schema.parse({ name: 'S', maxAge: '1h', sealed: true })) as StreamApiConfig;
    const maxAge: number | undefined = stream.max_age;
    const sealed: boolean | undefined = stream.sealed;
    // @ts-expect-error a duration goes on the wire as nanoseconds
    const wrong: StreamApiConfig = { max_age: '1h' };
    // @ts-expect-error spec names are not API fields
    const camel: StreamApiConfig = { maxAge: 1 };
    const consumer: ConsumerApiConfig = { durable_name: 'c', name: 'c', ack_policy: 'explicit', backoff: [1] };
    assert.equal(maxAge, 3600 * 1e9);
    assert.equal(sealed, true);
    assert.ok(wrong && camel && consumer.durable_name);
  });
});
