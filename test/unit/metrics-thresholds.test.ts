/** io.nats.monitor.* thresholds: parsing and evaluation with `nats server check`'s semantics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConsumer, checkStream, consumerThresholds, nagiosExit, streamThresholds, worst } from '../../src/metrics/thresholds.js';
import type { GatherConsumer, GatherStream } from '../../src/nats/gather.js';

const m = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`io.nats.monitor.${k}`, v]));

function stream(metadata: Record<string, string>, over: Partial<GatherStream> = {}): GatherStream {
  return { name: 'ORDERS', config: { num_replicas: 1, metadata: m(metadata) }, state: { messages: 100, num_subjects: 10 }, ...over };
}

test('thresholds parse: counts, durations in seconds, booleans; bad values are problems, other keys ignored', () => {
  const p = streamThresholds({ ...m({ 'msgs-warn': '10', 'peer-seen-critical': '1m30s', 'subjects-critical': 'many' }), 'io.nats.monitor.unknown': '1', other: 'x' });
  assert.deepEqual(p.values, { 'msgs-warn': 10, 'peer-seen-critical': 90 });
  assert.equal(p.problems.length, 1);
  assert.equal(p.problems[0].key, 'io.nats.monitor.subjects-critical');
  assert.deepEqual(consumerThresholds(m({ pinned: 'true', 'last-ack-critical': '5m' })).values, { pinned: 1, 'last-ack-critical': 300 });
  assert.equal(consumerThresholds(m({ enabled: 'false' })).enabled, false);
});

test('msgs-warn and msgs-critical are minimums', () => {
  const cases: [number, string][] = [[5, 'CRITICAL'], [10, 'CRITICAL'], [11, 'WARNING'], [50, 'WARNING'], [51, 'OK']];
  for (const [msgs, want] of cases) {
    const r = checkStream(stream({ 'msgs-warn': '50', 'msgs-critical': '10' }, { state: { messages: msgs } }));
    assert.equal(r.status, want, `${msgs} messages`);
  }
});

test('subjects thresholds are maximums when warn < critical, minimums otherwise', () => {
  const max = (n: number) => checkStream(stream({ 'subjects-warn': '10', 'subjects-critical': '20' }, { state: { num_subjects: n } })).status;
  assert.deepEqual([max(5), max(10), max(20)], ['OK', 'WARNING', 'CRITICAL']);
  const min = (n: number) => checkStream(stream({ 'subjects-warn': '20', 'subjects-critical': '10' }, { state: { num_subjects: n } })).status;
  assert.deepEqual([min(30), min(20), min(10)], ['OK', 'WARNING', 'CRITICAL']);
});

test('cluster checks: peer-expect, offline and lagging replicas, no leader, not clustered', () => {
  const clustered = (replicas: NonNullable<GatherStream['cluster']>['replicas'], leader = 'n1') =>
    stream({ 'peer-expect': '3', 'peer-lag-critical': '100' }, { config: { num_replicas: 3, metadata: m({ 'peer-expect': '3', 'peer-lag-critical': '100' }) }, cluster: { leader, replicas } });
  assert.equal(checkStream(clustered([{ name: 'n2', current: true }, { name: 'n3', current: true }])).status, 'OK');
  assert.equal(checkStream(clustered([{ name: 'n2', current: true }, { name: 'n3', offline: true }])).status, 'CRITICAL');
  assert.equal(checkStream(clustered([{ name: 'n2', current: true }, { name: 'n3', lag: 101 }])).status, 'CRITICAL');
  assert.equal(checkStream(clustered([{ name: 'n2', current: true }])).status, 'CRITICAL', 'expected 3 replicas, got 2');
  assert.equal(checkStream(clustered([], '')).items[0].message, 'no leader');
  assert.equal(checkStream(stream({ 'peer-expect': '3' })).items[0].message, 'stream is not clustered');
});

test('mirror and sources: lag and last-active critical, min/max sources', () => {
  const mirror = stream({ 'lag-critical': '10', 'seen-critical': '1m' }, { mirror: { name: 'UP', lag: 11, active: 2e9 } });
  assert.equal(checkStream(mirror).status, 'CRITICAL');
  const fine = stream({ 'lag-critical': '10', 'seen-critical': '1m' }, { mirror: { name: 'UP', lag: 1, active: 2e9 } });
  assert.equal(checkStream(fine).status, 'OK');
  assert.equal(checkStream(stream({ 'lag-critical': '10' })).status, 'CRITICAL', 'not mirrored');
  assert.equal(checkStream(stream({ 'min-sources': '2' }, { sources: [{ name: 'A' }] })).status, 'CRITICAL');
  assert.equal(checkStream(stream({ 'max-sources': '1' }, { sources: [{ name: 'A' }, { name: 'B' }] })).status, 'CRITICAL');
});

test('a threshold that does not parse makes the check UNKNOWN (exit 3); disabled checks are OK', () => {
  const r = checkStream(stream({ 'msgs-warn': 'ten' }));
  assert.equal(r.status, 'UNKNOWN');
  assert.equal(r.exitCode, 3);
  assert.equal(checkStream(stream({ enabled: 'false', 'msgs-warn': '1000' })).status, 'OK');
});

function consumer(metadata: Record<string, string>, over: Partial<GatherConsumer> = {}): GatherConsumer {
  return { stream_name: 'ORDERS', name: 'worker', config: { durable_name: 'worker', metadata: m(metadata) }, num_pending: 0, num_ack_pending: 0, num_redelivered: 0, num_waiting: 0, ...over };
}

test('consumer criticals are maximums reached at the threshold', () => {
  const at = { 'outstanding-ack-critical': '5', 'waiting-critical': '5', 'unprocessed-critical': '5', 'redelivery-critical': '5' };
  assert.equal(checkConsumer(consumer(at, { num_ack_pending: 4, num_waiting: 4, num_pending: 4, num_redelivered: 4 })).status, 'OK');
  for (const field of ['num_ack_pending', 'num_waiting', 'num_pending', 'num_redelivered'] as const) {
    const r = checkConsumer(consumer(at, { [field]: 5 }));
    assert.equal(r.status, 'CRITICAL', field);
    assert.equal(r.exitCode, 2);
  }
});

test('last delivery and last ack ages; never delivered is critical when a threshold is set', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const recent = consumer({ 'last-ack-critical': '5m' }, { ack_floor: { last_active: '2026-01-01T00:09:00Z' } });
  assert.equal(checkConsumer(recent, now).status, 'OK');
  const old = consumer({ 'last-ack-critical': '5m' }, { ack_floor: { last_active: '2026-01-01T00:01:00Z' } });
  assert.equal(checkConsumer(old, now).status, 'CRITICAL');
  assert.equal(checkConsumer(consumer({ 'last-delivery-critical': '1m' }), now).status, 'CRITICAL');
});

test('pinned: every priority group needs a pinned client', () => {
  const cfg = { durable_name: 'w', priority_policy: 'pinned_client', priority_groups: ['jobs'], metadata: m({ pinned: 'true' }) };
  assert.equal(checkConsumer(consumer({}, { config: cfg, priority_groups: [{ group: 'jobs', pinned_client_id: 'abc' }] })).status, 'OK');
  assert.equal(checkConsumer(consumer({}, { config: cfg, priority_groups: [{ group: 'jobs' }] })).status, 'CRITICAL');
  assert.equal(checkConsumer(consumer({ pinned: 'true' })).status, 'CRITICAL', 'not in pinned mode');
});

test('worst and nagios exit codes', () => {
  assert.equal(worst([]), 'OK');
  assert.equal(worst([{ status: 'WARNING' }, { status: 'OK' }, { status: 'CRITICAL' }]), 'CRITICAL');
  assert.deepEqual(['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'].map((s) => nagiosExit(s as 'OK')), [0, 1, 2, 3]);
});
