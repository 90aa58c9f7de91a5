/** Pure parts of the Kubernetes source: policy from annotations, validation of a CR, the status written, the structural CRD schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResource } from '../../src/kube/client.js';
import { structural } from '../../src/kube/crds.js';
import { policyOf, validateObject } from '../../src/controller/sources/kubernetes.js';
import { crStatus, statusChanged, summaryText } from '../../src/controller/sources/kubernetes-status.js';
import type { JkError } from '../../src/errors.js';
import { micro } from '../../src/controller/leader.js';
import { sameItem } from '../../src/controller/controller.js';
import type { SourceItem } from '../../src/controller/source.js';

const obj = (spec: Record<string, unknown>, annotations?: Record<string, string>): CustomResource => ({
  apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Stream', metadata: { name: 'orders', namespace: 'shop', generation: 3, annotations }, spec,
});

test('policy comes from the jetkeeper.io annotations and spec.preventDelete; defaults are delete, managed, no replace, no adopt', () => {
  const errors: JkError[] = [];
  assert.deepEqual(policyOf(obj({ name: 'ORDERS' }), errors), { deletion: 'delete', managed: true, allowReplace: false, adopt: false, preventDelete: false });
  const p = policyOf(obj({ name: 'ORDERS', preventDelete: true }, { 'jetkeeper.io/deletion-policy': 'orphan', 'jetkeeper.io/managed': 'false', 'jetkeeper.io/allow-replace': 'true', 'jetkeeper.io/adopt': 'true' }), errors);
  assert.deepEqual(p, { deletion: 'orphan', managed: false, allowReplace: true, adopt: true, preventDelete: true });
  assert.deepEqual(errors, []);
});

test('a bad annotation value is an error naming the annotation and the allowed values (JK5054)', () => {
  const errors: JkError[] = [];
  const p = policyOf(obj({ name: 'ORDERS' }, { 'jetkeeper.io/deletion-policy': 'keep', 'jetkeeper.io/adopt': 'yes' }), errors);
  assert.equal(p.deletion, 'delete');
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e.code === 'JK5054'));
  assert.match(errors[0].field!, /deletion-policy/);
  assert.match(errors[0].message, /"delete" or "orphan"/);
});

test('a CR validates with the manifest schemas: a bad duration names spec.maxAge, without a meaningless file position', () => {
  const ok = validateObject(obj({ name: 'ORDERS', subjects: ['orders.>'] }), 'streams');
  assert.equal(ok.errors.length, 0);
  assert.equal(ok.resource?.key, 'Stream/ORDERS');
  const bad = validateObject(obj({ name: 'ORDERS', maxAge: '10 parsecs' }), 'streams');
  assert.equal(bad.resource, undefined);
  assert.equal(bad.errors[0].field, 'spec.maxAge');
  assert.equal(bad.errors[0].at, undefined);
});

test('the status carries the Ready condition, observedGeneration and the live summary (also in the message, for NACK\'s CRDs)', () => {
  const s = crStatus({ ready: true, reason: 'InSync', message: 'as declared', observedGeneration: 3, lastTransitionTime: '2026-01-01T00:00:00Z', live: { messages: 1500, bytes: 2_000_000, leader: 'n1', replicas: { current: 2, lagging: 0, offline: 1 } } }, undefined, 'ORDERS');
  assert.equal(s.conditions[0].status, 'True');
  assert.equal(s.conditions[0].reason, 'InSync');
  assert.equal(s.observedGeneration, 3);
  assert.match(s.conditions[0].message, /1\.5k messages, 2\.0M bytes, leader n1, replicas 2 current, 1 offline/);
  assert.equal(s.stream, 'ORDERS');
  assert.equal(summaryText(undefined), '');
});

test('lastTransitionTime stays while ready does not change; an equal status is not written again', () => {
  const first = crStatus({ ready: true, reason: 'Created', message: 'created', observedGeneration: 1, lastTransitionTime: 't1' }, undefined, undefined);
  const again = crStatus({ ready: true, reason: 'InSync', message: 'in sync', observedGeneration: 2, lastTransitionTime: 't2' }, first as never, undefined);
  assert.equal(again.conditions[0].lastTransitionTime, 't1');
  assert.equal(statusChanged(first as never, first), false);
  assert.equal(statusChanged(first as never, again), true);
  // NACK's CRDs prune `live`: a stored status without it is not rewritten for the summary alone
  const nackStored = { observedGeneration: 1, conditions: first.conditions };
  assert.equal(statusChanged(nackStored, { ...first, live: { messages: 1 } }), false);
});

test('JSON Schema becomes structural OpenAPI: anyOf of one type collapses, const becomes enum, additionalProperties false goes', () => {
  const s = structural({ type: 'object', additionalProperties: false, properties: { a: { anyOf: [{ type: 'string', const: '' }, { type: 'string' }] }, k: { const: 'x' }, m: { type: 'object', propertyNames: { pattern: 'x' }, additionalProperties: { type: 'string' } } } });
  assert.deepEqual(s, { type: 'object', properties: { a: { type: 'string' }, k: { enum: ['x'], type: 'string' }, m: { type: 'object', additionalProperties: { type: 'string' } } } });
});

test('Lease times read back as the API server\'s strings or as Dates are written with six fractional digits', () => {
  const fromString = micro('2026-12-02T03:13:37.123456Z');
  assert.equal(JSON.stringify({ t: fromString }), '{"t":"2026-12-02T03:13:37.123000Z"}');
  assert.equal(JSON.stringify({ t: micro(new Date(Date.UTC(2026, 11, 2, 3, 13, 37, 5))) }), '{"t":"2026-12-02T03:13:37.005000Z"}');
  assert.equal(micro(undefined), undefined);
  assert.equal(micro('not a time'), undefined);
});

test('a CR offered again unchanged (its finalizer write echoed by the watch) is the same item; a new generation, policy or connection is not', () => {
  const cr = obj({ name: 'ORDERS', subjects: ['ord.>'] });
  const { resource } = validateObject(cr, 'streams');
  const errors: JkError[] = [];
  const item = (gen: number, annotations?: Record<string, string>, servers = ['nats://a:4222']): SourceItem => ({
    key: 'shop/streams/orders', generation: gen, resource, policy: policyOf(obj({}, annotations), errors), origin: 'shop/streams/orders',
    connection: { poolKey: 'shop/acct', settings: { servers } as never },
  });
  assert.equal(sameItem(item(3), item(3)), true);
  assert.equal(sameItem(undefined, item(3)), false);
  assert.equal(sameItem(item(3), item(4)), false);
  assert.equal(sameItem(item(3), item(3, { 'jetkeeper.io/adopt': 'true' })), false);
  assert.equal(sameItem(item(3), item(3, undefined, ['nats://b:4222'])), false);
});
