import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAllowed, withRetry } from '../../src/apply/apply.js';
import { JkError } from '../../src/errors.js';
import { mapLimit } from '../../src/nats/admin.js';
import type { Plan } from '../../src/plan/plan.js';

const transient = () => new JkError('JK2005', { message: 'request timed out', transient: true });

test('withRetry retries a transient error and returns the later success', async () => {
  let calls = 0;
  const retried: number[] = [];
  const v = await withRetry(async () => {
    calls++;
    if (calls < 3) throw transient();
    return 'ok';
  }, 5, (_e, n) => retried.push(n));
  assert.equal(v, 'ok');
  assert.equal(calls, 3);
  assert.deepEqual(retried, [1, 2]);
});

test('withRetry gives up after the last attempt with the last error', async () => {
  let calls = 0;
  await assert.rejects(withRetry(async () => { calls++; throw transient(); }, 2), (e: unknown) => e instanceof JkError && e.code === 'JK2005');
  assert.equal(calls, 2);
});

test('withRetry never retries a permanent error (e.g. the server refused the config)', async () => {
  let calls = 0;
  const refused = new JkError('JK2003', { message: 'server refused', apiCode: 10058 });
  await assert.rejects(withRetry(async () => { calls++; throw refused; }, 5), (e) => e === refused);
  assert.equal(calls, 1);
});

test('mapLimit keeps at most `limit` calls in flight and returns results in input order', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, n));
    inFlight--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0, 60]);
  assert.equal(peak, 3);
});

const planWith = (action: 'replace' | 'unsupported'): Plan => ({
  serverVersion: '2.9.10',
  owner: 'default',
  changes: [{ action, kind: 'Stream', key: 'Stream/ORDERS', target: { type: 'stream', stream: 'ORDERS' }, fields: [], reason: 'storage: the server cannot change the storage type of a stream' }],
});

test('checkAllowed refuses a replace without allowReplace and allows it with', () => {
  assert.throws(() => checkAllowed(planWith('replace'), { allowReplace: false }), (e: unknown) => e instanceof JkError && e.code === 'JK3001' && /Nothing was applied/.test(e.message));
  assert.doesNotThrow(() => checkAllowed(planWith('replace'), { allowReplace: true }));
});

test('checkAllowed always refuses unsupported changes', () => {
  assert.throws(() => checkAllowed(planWith('unsupported'), { allowReplace: true }), (e: unknown) => e instanceof JkError && e.code === 'JK3002');
});

test('plan --prune on a server without metadata (before 2.10) is refused with JK3006, never a guess', async () => {
  const { plan } = await import('../../src/plan/plan.js');
  assert.throws(() => plan([], { serverVersion: '2.9.10', streams: [], consumers: [] }, { owner: 'default', prune: true }), (e: unknown) => e instanceof JkError && e.code === 'JK3006');
  assert.equal(plan([], { serverVersion: '2.10.0', streams: [], consumers: [] }, { owner: 'default', prune: true }).changes.length, 0);
});

test('with --prune, an owned undeclared consumer of a replaced stream is named once (in the replace), not also deleted', async () => {
  const { plan, summarize } = await import('../../src/plan/plan.js');
  const { parseManifests } = await import('../../src/manifests/load.js');
  const { validateDocuments } = await import('../../src/manifests/validate.js');
  const { resources } = validateDocuments(parseManifests('apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: o}\nspec: {name: O, subjects: [o.>], storage: memory}\n', 'o.yaml'));
  const owned = { 'jetkeeper.io/owner': 'default' };
  const live = {
    serverVersion: '2.15.2',
    streams: [{ config: { name: 'O', subjects: ['o.>'], storage: 'file', max_age: 8760 * 3600e9, metadata: owned }, state: { messages: 3, bytes: 300 } }],
    consumers: [{ stream: 'O', name: 'old', config: { durable_name: 'old', name: 'old', ack_policy: 'explicit', metadata: owned } }],
  };
  const p = plan(resources, live, { owner: 'default', prune: true });
  assert.deepEqual(p.changes.map((c) => `${c.action} ${c.key}`), ['replace Stream/O']);
  assert.match(p.changes[0].dataLoss ?? '', /consumers old/);
  assert.equal(summarize(p).delete, 0);
});
