/** The drill's report builder: pure, from what a drill observed to its verdict. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdCounts, type PublishStats } from '../../src/load/index.js';
import { buildDrillReport, firstLeaderAfter, formatDrillReport, leaderlessMs, type DrillFacts } from '../../src/lab/drill-report.js';

const ids = (...xs: number[]): IdCounts => {
  const c = new IdCounts();
  for (const x of xs) c.add(x);
  return c;
};

const stats = (acked: number): PublishStats => ({ attempted: acked + 1, acked, failed: 1, retried: 4, duplicateAcks: 1, errors: { timeout: 3, api_10008: 2 }, elapsedMs: 20_000 });
const latency = { count: 5, min: 1, mean: 2, p50: 2, p90: 3, p99: 4, p999: 5, max: 6 };

/** A 1-of-3 kill of the leader n1 at t0+5 s, restarted at +12 s: leader back on n2, everything read back. */
function facts(over: Partial<DrillFacts> = {}): DrillFacts {
  const t0 = 1_000;
  return {
    cluster: { name: 'jk', version: '2.15.2', servers: ['n1', 'n2', 'n3'] },
    settings: { target: 'leader', count: 1, partition: false, network: false, durationMs: 20_000, rate: 1000, downMs: 7_000, size: 128, retryBudgetMs: 10_000 },
    stream: { name: 'DRILL_1', subject: 'jetkeeper.drill.1', idPrefix: 'DRILL_1-' },
    targets: ['n1'],
    peers: ['n1', 'n2', 'n3'],
    leaderBefore: 'n1',
    clientsOn: ['n2', 'n3'],
    t: { t0, kill: t0 + 5_000, restart: t0 + 12_000, restarted: t0 + 13_000, leaderBack: t0 + 7_000, current: t0 + 15_000, publishEnd: t0 + 21_000 },
    end: t0 + 25_000,
    publisher: { stats: stats(4), latencyMs: latency, ackTimes: [t0 + 100, t0 + 4_900, t0 + 6_000, t0 + 14_000], acked: ids(0, 1, 2, 3) },
    consumer: { deliveries: 5, delivered: ids(0, 1, 2, 3, 3), redelivered: 1, restarts: 1, notifications: { heartbeats_missed: 2 } },
    drained: true,
    resubscribed: 0,
    samples: [
      { t: t0, leader: 'n1' }, { t: t0 + 5_000, leader: 'n1' }, { t: t0 + 6_000 }, { t: t0 + 7_000, leader: 'n2' }, { t: t0 + 13_500, leader: 'n2' },
    ],
    probes: { stream_info: { ok: 3 }, consumer_info: { ok: 3 }, account_info: { ok: 3 }, stream_names: { ok: 3 } },
    viewsAgree: true,
    lastSeqByServer: { n1: 5, n2: 5, n3: 5 },
    readback: { messages: 5, ids: ids(0, 1, 2, 3, 3), complete: true },
    cleanup: { stream_deleted: true, servers_restored: true, error: null },
    error: null,
    ...over,
  };
}

test('leaderless time sums the intervals that ended without a leader, clipped to the window', () => {
  const s = [{ t: 0, leader: 'a' }, { t: 10 }, { t: 20 }, { t: 30, leader: 'b' }];
  assert.equal(leaderlessMs(s, 0, 100), 20);
  assert.equal(leaderlessMs(s, 15, 100), 5);
  assert.equal(leaderlessMs(s, 0, 5), 5);
  assert.equal(leaderlessMs([], 0, 100), 0);
  assert.deepEqual(firstLeaderAfter(s, 5), { t: 30, leader: 'b' });
  assert.equal(firstLeaderAfter(s, 31), undefined);
});

test('a drill where every acked message is in the stream and the leader came back passes', () => {
  const r = buildDrillReport(facts());
  assert.equal(r.ok, true);
  assert.deepEqual(r.invariants, { no_acked_missing: true, quorum_regained: true, replicas_current: true });
  assert.equal(r.action.method, 'SIGKILL');
  assert.equal(r.action.partition, null);
  assert.equal(r.action.killed_leader, true);
  assert.deepEqual(r.timeline_ms, { kill: 5_000, restart: 12_000, restarted: 13_000, leader_back: 7_000, replicas_current: 15_000, publish_end: 21_000, end: 25_000 });
  assert.equal(r.config.count, 1);
  assert.equal(r.config.retry_budget_ms, 10_000);
});

test('the publish section counts acks while down (after a 0.5 s grace) and after the restart, and the longest gap', () => {
  const p = buildDrillReport(facts()).publish;
  assert.equal(p.acked, 4);
  assert.equal(p.acked_while_down, 1);
  assert.equal(p.acked_after_restart, 1);
  assert.equal(p.longest_ack_gap_ms, 8_000);
  assert.equal(p.rate_achieved, 0);
  assert.deepEqual(p.errors, { timeout: 3, api_10008: 2 });
  assert.deepEqual(p.latency_ms, latency);
});

test('the leader section: leaderless time, back after the kill and after the restart, the leader at the end', () => {
  const l = buildDrillReport(facts()).leader;
  assert.deepEqual(l, { before: 'n1', after: 'n2', leaderless_ms: 1_000, back_after_kill_ms: 0, back_after_restart_ms: 500 });
});

test('messages: duplicates in the stream and deliveries are counted, nothing acked is missing', () => {
  const r = buildDrillReport(facts());
  assert.deepEqual(r.messages, { in_stream: 5, acked_missing: 0, acked_missing_sample: [], duplicates_in_stream: 1, stored_not_acked: 0, readback_complete: true });
  assert.equal(r.consumer.unique, 4);
  assert.equal(r.consumer.acked_never_delivered, 0);
  assert.deepEqual(r.consumer.notifications, { heartbeats_missed: 2 });
});

test('an acked message missing from the stream fails the drill and is named', () => {
  const r = buildDrillReport(facts({ readback: { messages: 3, ids: ids(0, 1, 3), complete: true } }));
  assert.equal(r.ok, false);
  assert.equal(r.invariants.no_acked_missing, false);
  assert.equal(r.messages.acked_missing, 1);
  assert.deepEqual(r.messages.acked_missing_sample, ['DRILL_1-2']);
  assert.match(formatDrillReport(r), /^result: FAIL \(acked missing 0: NO;/m);
});

test('a drill cut short has no verdict on messages and says INTERRUPTED', () => {
  const r = buildDrillReport(facts({ readback: undefined, error: 'interrupted: the drill was cut short (no verdict)' }));
  assert.equal(r.ok, false);
  assert.equal(r.messages.acked_missing, null);
  assert.match(formatDrillReport(r), /acked missing: not checked/);
  assert.match(formatDrillReport(r), /^result: INTERRUPTED/m);
});

test('no leader back, or a server not brought back, fails the drill', () => {
  assert.equal(buildDrillReport(facts({ t: { ...facts().t, leaderBack: null } })).invariants.quorum_regained, false);
  const notRestored = buildDrillReport(facts({ cleanup: { stream_deleted: true, servers_restored: false, error: 'could not bring back n1' } }));
  assert.equal(notRestored.ok, false);
  assert.match(formatDrillReport(notRestored), /servers NOT all restored \(could not bring back n1\)/);
});

test('2 of 3 down: quorum expected lost, and lost when nothing was acked while down', () => {
  const f = facts({ targets: ['n1', 'n2'], publisher: { stats: stats(3), latencyMs: latency, ackTimes: [1_100, 5_900, 15_000], acked: ids(0, 1, 2) } });
  const q = buildDrillReport(f).quorum;
  assert.equal(q.expected_lost, true);
  assert.equal(q.lost_while_down, true);
  assert.equal(q.regained, true);
});

test('a partition on a netns cluster is a network cut, elsewhere SIGSTOP, and the report says which', () => {
  const net = buildDrillReport(facts({ settings: { ...facts().settings, partition: true, network: true }, cluster: { ...facts().cluster, netnsHub: 'jk-abc-hub' } }));
  assert.equal(net.action.method, 'network');
  assert.match(net.action.note ?? '', /^partition: network \(netns veth down\).*jk-abc-hub/);
  const stop = buildDrillReport(facts({ settings: { ...facts().settings, partition: true } }));
  assert.equal(stop.action.method, 'SIGSTOP');
  assert.equal(stop.action.partition, 'SIGSTOP (no network namespaces)');
  assert.match(formatDrillReport(stop), /partition simulated with SIGSTOP/);
});

test('the text form of a passing drill', () => {
  const text = formatDrillReport(buildDrillReport(facts()));
  assert.match(text, /^drill kill-server: SIGKILL \+ restart of n1 \(1 of 3, stream leader n1 among them\) on nats-server 2\.15\.2/);
  assert.match(text, /acked missing: 0;/);
  assert.match(text, /^result: PASS/m);
});
