/** From planned changes to the controller's closed set of reasons: pure, table-driven. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, afterApply, type DecideContext } from '../../src/controller/reasons.js';
import { CONTROLLER_REASONS, DEFAULT_POLICY } from '../../src/controller/source.js';
import { policyOf } from '../../src/controller/sources/dir.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments, type Resource } from '../../src/manifests/validate.js';
import { planResource, type Change } from '../../src/plan/plan.js';
import { kindByName } from '../../src/resources/index.js';
import { OWNER_KEY, type ApiConfig } from '../../src/resources/kind.js';

const API = 'jetstream.nats.io/v1beta2';

function resource(spec: string, annotations = ''): Resource {
  const r = validateDocuments(parseManifests(`apiVersion: ${API}\nkind: Stream\nmetadata: {name: orders${annotations}}\nspec: ${spec}\n`, 'orders.yaml'));
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  return r.resources[0];
}

const base = resource('{name: ORDERS, subjects: ["orders.>"], storage: file, maxAge: 1h}');

function liveOf(r: Resource, owner: string | undefined, over: ApiConfig = {}): ApiConfig {
  const api = kindByName('Stream')!.toApi(r.spec);
  return { ...api, ...over, metadata: owner ? { [OWNER_KEY]: owner } : {} };
}

function change(r: Resource, live: ApiConfig | undefined): Change {
  return planResource(kindByName('Stream')!, r, live, { serverVersion: '2.15.2', owner: 'me' });
}

const ctx = (over: Partial<DecideContext> = {}): DecideContext => ({
  owner: 'me', drift: 'repair', readOnly: false, serverVersion: '2.15.2', manifestChanged: false, policy: { ...DEFAULT_POLICY }, ...over,
});

test('in sync: Ready InSync, nothing to write', () => {
  const d = decide(change(base, liveOf(base, 'me')), undefined, ctx());
  assert.equal(d.reason, 'InSync');
  assert.equal(d.ready, true);
  assert.equal(d.write, undefined);
});

test('missing without a manifest change is drift: repaired (write) or only reported', () => {
  const repair = decide(change(base, undefined), undefined, ctx());
  assert.equal(repair.write, 'apply');
  assert.equal(repair.drift, true);
  const applied = afterApply(repair, { key: base.key, action: 'create', result: 'applied' }, change(base, undefined));
  assert.equal(applied.reason, 'DriftRepaired');
  assert.equal(applied.ready, true);
  const report = decide(change(base, undefined), undefined, ctx({ drift: 'report' }));
  assert.equal(report.reason, 'DriftDetected');
  assert.equal(report.write, undefined);
  assert.equal(report.event?.type, 'Warning');
});

test('a new manifest is Created, a changed one Updated; read-only and observe-only write nothing', () => {
  const create = decide(change(base, undefined), undefined, ctx({ manifestChanged: true }));
  assert.equal(afterApply(create, { key: base.key, action: 'create', result: 'applied' }, change(base, undefined)).reason, 'Created');
  const changed = resource('{name: ORDERS, subjects: ["orders.>"], storage: file, maxAge: 2h}');
  const c = change(changed, liveOf(base, 'me'));
  assert.equal(c.action, 'update');
  const upd = decide(c, undefined, ctx({ manifestChanged: true }));
  assert.equal(upd.write, 'apply');
  const after = afterApply(upd, { key: base.key, action: 'update', result: 'applied' }, c);
  assert.equal(after.reason, 'Updated');
  assert.match(after.message, /spec\.maxAge: 3600000000000 → 7200000000000/);
  for (const over of [{ readOnly: true }, { policy: { ...DEFAULT_POLICY, managed: false } }]) {
    const d = decide(c, undefined, ctx({ manifestChanged: true, ...over }));
    assert.equal(d.reason, 'DriftDetected');
    assert.equal(d.write, undefined);
  }
});

test('an immutable change is refused with the plan: field old → new and what recreating loses; allow-replace recreates', () => {
  const mem = resource('{name: ORDERS, subjects: ["orders.>"], storage: memory, maxAge: 1h}');
  const c = change(mem, liveOf(base, 'me'));
  assert.equal(c.action, 'replace');
  c.dataLoss = 'deletes stream ORDERS and its 5 messages (10 bytes); recreates it empty';
  const d = decide(c, undefined, ctx({ manifestChanged: true }));
  assert.equal(d.reason, 'ImmutableFieldChanged');
  assert.equal(d.ready, false);
  assert.equal(d.write, undefined);
  assert.match(d.message, /spec\.storage: file → memory/);
  assert.match(d.message, /recreating would lose: deletes stream ORDERS and its 5 messages/);
  assert.match(d.message, /jetkeeper\.io\/allow-replace/);
  const allowed = decide(c, undefined, ctx({ manifestChanged: true, policy: { ...DEFAULT_POLICY, allowReplace: true } }));
  assert.equal(allowed.write, 'replace');
  assert.equal(allowed.event?.reason, 'Replacing');
  assert.match(allowed.event!.message, /5 messages/);
});

test('an asset jetkeeper did not create is NotOwned unless adopted', () => {
  for (const owner of [undefined, 'someone-else']) {
    const d = decide(change(base, liveOf(base, owner)), undefined, ctx());
    assert.equal(d.reason, 'NotOwned');
    assert.equal(d.write, undefined);
  }
  const adopted = decide(change(base, liveOf(base, undefined)), undefined, ctx({ policy: { ...DEFAULT_POLICY, adopt: true } }));
  assert.equal(adopted.reason, 'InSync');
});

test('health and failures map into the closed set', () => {
  const noLeader = decide(change(base, liveOf(base, 'me')), { key: base.key, kind: 'Stream', ready: false, reason: 'NoLeader', message: 'no leader' }, ctx());
  assert.equal(noLeader.reason, 'NoQuorum');
  const c = change(base, undefined);
  const before = decide(c, undefined, ctx({ manifestChanged: true }));
  const failed = afterApply(before, { key: base.key, action: 'create', result: 'waiting', on: 'Stream/X', message: 'waits' }, c);
  assert.equal(failed.reason, 'StreamMissing');
  assert.equal(failed.waitOn, 'Stream/X');
  const all = new Set(CONTROLLER_REASONS);
  for (const d of [noLeader, before, failed]) assert.ok(all.has(d.reason));
});

test('policy from annotations and spec.preventDelete', () => {
  const r = resource('{name: ORDERS, subjects: ["orders.>"], preventDelete: true}', ', annotations: {jetkeeper.io/deletion-policy: orphan, jetkeeper.io/managed: "false", jetkeeper.io/allow-replace: "true", jetkeeper.io/adopt: "true"}');
  assert.deepEqual(policyOf(r, r.doc), { deletion: 'orphan', managed: false, allowReplace: true, adopt: true, preventDelete: true });
  assert.deepEqual(policyOf(base, base.doc), DEFAULT_POLICY);
});

test('the live summary of a stream carries messages, bytes, its consumer count and replica health', async () => {
  const { liveSummary } = await import('../../src/controller/reasons.js');
  const s = liveSummary({
    key: 'Stream/ORDERS', kind: 'Stream', ready: true, reason: 'Ready', message: '',
    live: { messages: 5, bytes: 100, consumers: 2, leader: 'n1', replicas: [{ current: true }, { current: false }] },
  });
  assert.deepEqual(s, { messages: 5, bytes: 100, consumers: 2, leader: 'n1', replicas: { current: 2, lagging: 1, offline: 0 } });
  const none = liveSummary({ key: 'Stream/X', kind: 'Stream', ready: true, reason: 'Ready', message: '', live: { messages: 0, bytes: 0 } });
  assert.equal(none?.consumers, undefined);
});
