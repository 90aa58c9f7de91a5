/** The pure parts of observability: the system view from monitor answers, the snapshot cache and age budget, the series, advisories, doctor. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { AdvisoryLog, classifyAdvisory } from '../../src/metrics/advisories.js';
import { registerJetStreamCollectors } from '../../src/metrics/collectors.js';
import { doctor, kubernetesFindings, missingFixes } from '../../src/metrics/doctor.js';
import { systemView } from '../../src/metrics/model.js';
import { parseListen } from '../../src/metrics/http.js';
import { MetricsSource } from '../../src/metrics/source.js';
import type { GatherStream, ServerGather } from '../../src/nats/gather.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function stream(leader: string, lastSeq: number, replicas: { name: string; current: boolean; active?: number; lag?: number }[]): GatherStream {
  return {
    name: 'ORDERS', cluster: { name: 'c1', leader, replicas },
    config: { num_replicas: 3, storage: 'file', max_bytes: 1000, metadata: { 'io.nats.monitor.msgs-warn': '5' } },
    state: { messages: lastSeq, bytes: 750, first_seq: 1, last_seq: lastSeq, num_subjects: 1, consumer_count: 1 },
    consumer_detail: [{
      stream_name: 'ORDERS', name: 'worker', config: { durable_name: 'worker' }, cluster: { leader },
      delivered: { stream_seq: 10, consumer_seq: 12 }, ack_floor: { stream_seq: 4, consumer_seq: 4 }, num_pending: lastSeq - 10, num_ack_pending: 6, num_redelivered: 2, num_waiting: 0,
    }, {
      stream_name: 'ORDERS', name: 'eph1', config: {}, cluster: { leader }, num_pending: 3, num_ack_pending: 0, num_redelivered: 0, num_waiting: 1,
    }, {
      stream_name: 'ORDERS', name: 'eph2', config: {}, cluster: { leader }, num_pending: 4, num_ack_pending: 0, num_redelivered: 0, num_waiting: 0,
    }],
  };
}

function gather(name: string, s: GatherStream, over: Partial<ServerGather['jsz']> = {}): ServerGather {
  return {
    monitorUrl: `http://${name}:8222`, up: true, tookMs: 1,
    varz: { server_name: name, version: '2.12.2', cluster: { name: 'c1' }, routes: 2, connections: 1, slow_consumers: 0 },
    routez: { num_routes: 2, routes: [{ remote_name: 'n1' }, { remote_name: 'n2' }, { remote_name: 'n3' }].filter((r) => r.remote_name !== name) },
    jsz: { config: { max_storage: 1000, max_memory: 100, sync_interval: 120e9 }, storage: 100, memory: 0, meta_cluster: { leader: 'n1', cluster_size: 3 }, account_details: [{ name: '$G', storage: 750, stream_detail: [s] }], ...over },
  };
}

/** n1 leads; n3 is down; n2's own copy is behind although n1 calls it current. */
function threeServers(): ServerGather[] {
  return [
    gather('n1', stream('n1', 100, [{ name: 'n2', current: true, active: 1e8 }, { name: 'n3', current: false, active: 30e9, lag: 40 }])),
    gather('n2', stream('n1', 60, [{ name: 'n1', current: true }, { name: 'n3', current: false }])),
    { monitorUrl: 'http://n3:8222', up: false, error: 'connection refused', tookMs: 1 },
  ];
}

test('the system view takes stream and consumer values from the leader and each replica from its own view', () => {
  const v = systemView(threeServers(), { at: NOW, expectServers: 3 });
  assert.equal(v.streams.length, 1);
  const s = v.streams[0];
  assert.equal(s.from, 'n1');
  assert.equal(s.detail.state?.last_seq, 100);
  assert.deepEqual(s.replicas.map((r) => [r.server, r.leader, r.offline, r.ownLastSeq]), [['n1', true, false, 100], ['n2', false, false, 60], ['n3', false, true, undefined]]);
  assert.equal(v.consumers.find((c) => c.consumer === 'worker')?.from, 'n1');
  assert.equal(v.servers[2].up, false);
});

async function scrape(gathers: ServerGather[], opts: { ephemeralConsumers?: boolean; times?: Map<number, number>; budget?: number } = {}) {
  const registry = new Registry();
  const looked: number[] = [];
  registerJetStreamCollectors(registry, {
    monitorUrls: gathers.map((g) => g.monitorUrl), gather: () => Promise.resolve(gathers), now: () => NOW, expectServers: 3, ageBudget: opts.budget,
    ephemeralConsumers: opts.ephemeralConsumers,
    messageTime: (_s, seq) => {
      looked.push(seq);
      return Promise.resolve(opts.times?.get(seq));
    },
  });
  return { text: await registry.metrics(), looked };
}

test('series: storage ratio against the stream\'s own limit, replica counts, ages from the stored times, thresholds, HELP everywhere', async () => {
  const times = new Map([[5, NOW - 90_000], [11, NOW - 30_000]]);
  const { text, looked } = await scrape(threeServers(), { times });
  assert.match(text, /^jetkeeper_stream_bytes_ratio\{account="\$G",stream="ORDERS",cluster="c1"\} 0\.75$/m);
  assert.match(text, /^jetkeeper_stream_replicas_offline\{[^}]*\} 1$/m);
  assert.match(text, /^jetkeeper_stream_replicas_current\{[^}]*\} 2$/m);
  assert.match(text, /^jetkeeper_stream_replica_own_lag_messages\{[^}]*server="n2"\} 40$/m);
  assert.match(text, /^jetkeeper_consumer_oldest_unacked_age_seconds\{[^}]*consumer="worker"[^}]*\} 90$/m);
  assert.match(text, /^jetkeeper_consumer_oldest_pending_age_seconds\{[^}]*consumer="worker"[^}]*\} 30$/m);
  assert.deepEqual(looked.sort((a, b) => a - b), [5, 11], 'the first after the ack floor, the first not delivered');
  assert.match(text, /^jetkeeper_stream_threshold\{[^}]*check="msgs-warn"\} 5$/m);
  assert.match(text, /^jetkeeper_server_up\{server="http:\/\/n3:8222",cluster=""\} 0$/m);
  assert.match(text, /^jetkeeper_cluster_servers_seen\{cluster="c1"\} 2$/m);
  assert.match(text, /^jetkeeper_cluster_servers_expected\{cluster="c1"\} 3$/m);
  for (const m of text.matchAll(/^# HELP (\S+) (.*)$/gm)) assert.ok(m[2].length > 10, m[1]);
});

test('ephemeral consumers are summed per stream unless asked for one by one', async () => {
  const { text } = await scrape(threeServers());
  assert.match(text, /^jetkeeper_consumer_num_pending\{[^}]*consumer="\(ephemeral\)"[^}]*\} 7$/m);
  assert.match(text, /^jetkeeper_consumer_ephemeral\{[^}]*\} 2$/m);
  assert.doesNotMatch(text, /consumer="eph1"/);
  const each = await scrape(threeServers(), { ephemeralConsumers: true });
  assert.match(each.text, /consumer="eph1"/);
});

test('the age look-ups stay within the budget, the most pending first, and are cached by sequence', async () => {
  const gathers = threeServers();
  const source = new MetricsSource({ monitorUrls: [], gather: () => Promise.resolve(gathers), now: () => NOW, maxAgeMs: 0, ageBudget: 1, messageTime: () => Promise.resolve(NOW - 1000) });
  const first = await source.current();
  assert.deepEqual(first.lookups, { sent: 1, cached: 0, skipped: 1 });
  const second = await source.current();
  assert.deepEqual(second.lookups, { sent: 1, cached: 1, skipped: 0 });
  const third = await source.current();
  assert.deepEqual(third.lookups, { sent: 0, cached: 2, skipped: 0 });
});

test('one gather per scrape however many series, and shared within max age', async () => {
  let gathers = 0;
  const registry = new Registry();
  registerJetStreamCollectors(registry, { monitorUrls: [], gather: () => { gathers++; return Promise.resolve(threeServers()); }, maxAgeMs: 60_000 });
  await registry.metrics();
  await registry.metrics();
  assert.equal(gathers, 1);
});

test('one sample per label set, the last row winning (a leader copy naming the leader among its replicas), label values escaped in the text and as they are in the JSON', async () => {
  const s = stream('n1', 60, [{ name: 'n1', current: true, lag: 7 }, { name: 'n3', current: false }]);
  s.sources = [{ name: 'B"x\\y', lag: 3 }];
  const gathers: ServerGather[] = [{ monitorUrl: 'http://n1:8222', up: false, error: 'connection refused', tookMs: 1 }, gather('n2', s)];
  const registry = new Registry();
  registerJetStreamCollectors(registry, { monitorUrls: gathers.map((g) => g.monitorUrl), gather: () => Promise.resolve(gathers), now: () => NOW });
  const text = await registry.metrics();
  assert.deepEqual(text.match(/^jetkeeper_stream_replica_lag_operations\{[^}]*server="n1"\} .*$/gm), ['jetkeeper_stream_replica_lag_operations{account="$G",stream="ORDERS",cluster="c1",server="n1"} 7']);
  assert.match(text, /^jetkeeper_stream_source_lag_operations\{account="\$G",stream="ORDERS",cluster="c1",source="B\\"x\\\\y",kind="source"\} 3$/m);
  const json = await registry.getMetricsAsJSON();
  const lag = json.find((m) => m.name === 'jetkeeper_stream_source_lag_operations');
  assert.deepEqual(lag?.values, [{ value: 3, labels: { account: '$G', stream: 'ORDERS', cluster: 'c1', source: 'B"x\\y', kind: 'source' } }]);
  const pending = json.find((m) => m.name === 'jetkeeper_consumer_num_pending');
  assert.deepEqual(pending?.values.map((v) => [v.labels.consumer, v.value]), [['worker', 50], ['(ephemeral)', 7]]);
});

test('advisories: kinds from the subject, API errors only when the response is one, a bounded ring', () => {
  assert.equal(classifyAdvisory('$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.ORDERS', { stream: 'ORDERS', leader: 'n2' })?.kind, 'stream_leader_elected');
  assert.equal(classifyAdvisory('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.worker', { stream: 'ORDERS', consumer: 'worker' })?.kind, 'max_deliveries');
  assert.equal(classifyAdvisory('$JS.EVENT.ADVISORY.API', { response: '{"type":"x"}' }), undefined);
  assert.equal(classifyAdvisory('$JS.EVENT.ADVISORY.API', { response: '{"error":{"code":404}}' })?.kind, 'api_error');
  assert.equal(classifyAdvisory('$JS.EVENT.ADVISORY.SOMETHING.NEW', {})?.kind, 'other');
  const log = new AdvisoryLog(2);
  for (let i = 0; i < 3; i++) log.record('$JS.EVENT.ADVISORY.STREAM.QUORUM_LOST.ORDERS', { stream: 'ORDERS' });
  assert.deepEqual(log.counts(), [{ kind: 'stream_quorum_lost', stream: 'ORDERS', n: 3 }]);
  assert.equal(log.events().length, 2);
});

test('doctor: the down server, cluster size, fsync, versions missing data-loss fixes, the replica behind by its own view', () => {
  const gathers = threeServers();
  gathers[0] = gather('n1', stream('n1', 200, [{ name: 'n2', current: true, active: 1e8 }, { name: 'n3', current: false, active: 30e9, lag: 40 }]));
  const snap = { view: systemView(gathers, { at: NOW, expectServers: 3 }), ages: new Map(), lookups: { sent: 0, cached: 0, skipped: 0 }, gatherMs: 1 };
  const r = doctor(snap);
  const by = (check: string) => r.findings.filter((x) => x.check === check);
  assert.equal(r.worst, 'critical');
  assert.equal(r.exitCode, 2);
  assert.ok(by('reachable').some((x) => x.severity === 'critical' && x.subject === 'http://n3:8222'));
  assert.equal(by('cluster-size')[0].severity, 'critical');
  assert.equal(by('fsync')[0].severity, 'info');
  assert.ok(by('version').some((x) => x.evidence.includes('2.12.3')));
  assert.ok(by('replica-own-view').some((x) => x.evidence.includes('n2') && x.evidence.includes('current')));
  assert.ok(by('replicas-offline').some((x) => x.evidence.includes('n3')));
  assert.equal(by('kubeconfig')[0].severity, 'info');
});

test('versions: fixes of the same line, and every fix for older lines', () => {
  assert.deepEqual(missingFixes('2.10.22').map((x) => x.fixed), ['2.10.23']);
  assert.deepEqual(missingFixes('2.10.23'), []);
  assert.deepEqual(missingFixes('2.12.3').map((x) => x.fixed), ['2.12.4']);
  assert.deepEqual(missingFixes('2.15.2'), []);
  assert.equal(missingFixes('2.9.10').length, 3);
});

test('kubernetes layer from injected facts', () => {
  const good = kubernetesFindings({ statefulSets: [{ name: 'nats', replicas: 3, ready: 3 }], pvcs: [{ name: 'a', phase: 'Bound' }], pods: [{ name: 'p0', node: 'a', ready: true }, { name: 'p1', node: 'b', ready: true }], pdbs: [{ name: 'nats' }] });
  assert.deepEqual(good.map((x) => x.severity), ['ok']);
  const bad = kubernetesFindings({ statefulSets: [{ name: 'nats', replicas: 3, ready: 2 }], pvcs: [{ name: 'a', phase: 'Pending' }], pods: [{ name: 'p0', node: 'a', ready: true }, { name: 'p1', node: 'a', ready: true }], pdbs: [], controller: { ready: false } });
  assert.deepEqual(bad.map((x) => x.check), ['statefulset', 'pvc', 'spread', 'pdb', 'controller']);
});

test('listen addresses', () => {
  assert.deepEqual(parseListen('127.0.0.1:9477'), { host: '127.0.0.1', port: 9477 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseListen('9477'), /JK6002|HOST:PORT/);
  assert.throws(() => parseListen('h:70000'), /HOST:PORT/);
});

test('a standalone JetStream server leads its own meta group; a cluster without a leader has none', async () => {
  const { metaLeader } = await import('../../src/metrics/model.js');
  const view = (o: Record<string, unknown>) => ({ name: 'n1', monitorUrl: 'http://127.0.0.1:8222', up: true, cluster: '', jetstream: true, ...o }) as never;
  assert.equal(metaLeader([view({})]), 'n1');
  assert.equal(metaLeader([view({ cluster: 'c', metaClusterSize: 3 }), view({ name: 'n2', cluster: 'c', metaClusterSize: 3 })]), undefined);
  assert.equal(metaLeader([view({ cluster: 'c', metaClusterSize: 3, metaLeader: 'n2' }), view({ name: 'n2', cluster: 'c', metaClusterSize: 3, metaLeader: 'n2' })]), 'n2');
  assert.equal(metaLeader([view({ jetstream: false })]), undefined);
});
