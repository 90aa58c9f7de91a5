/**
 * `jetkeeper metrics` against a real 3-server cluster: backlog and ages rise, redeliveries and the
 * oldest-unacked age, a stream filled to ~75 % of its max_bytes (and the storage alert firing in
 * promtool on the scraped value), a killed stream leader (server down, replicas offline, cluster
 * size, a leader-elected advisory) and its recovery; every metric the rules and the dashboard name
 * is produced by the scrape.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import { parse, stringify } from 'yaml';
import { clusterSettings, type LocalCluster } from '../../src/local/cluster.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { NatsClient } from '../../src/nats/client.js';
import { BACKUP_METRICS } from '../../src/backup/metrics.js';
import { metricNames, withoutAnnotations, type RulesFile } from '../../src/metrics/rules.js';
import { eventually } from '../helpers/monitor.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';
import { helpTexts, startMetrics, value, type MetricsProcess, type Sample } from './metrics-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const promtool = join(process.env.JETKEEPER_CACHE ?? join(homedir(), '.cache', 'jetkeeper'), 'bin', 'promtool');
const noPromtool = existsSync(`${promtool}.version`) ? false : `promtool is not built yet (${promtool}.version missing)`;

/** Series the scrape of this cluster cannot have, and why. */
const ABSENT_HERE: Record<string, string> = {
  up: 'Prometheus\' own series',
  jetkeeper_controller_reconcile_errors_total: 'the controller\'s series, not `jetkeeper metrics`\'',
  jetkeeper_server_auth_errors: 'nats-server 2.15.2 does not report authentication errors in /varz',
  jetkeeper_account_storage_ratio: 'the test cluster\'s account has no JetStream storage limit',
  // the backup alerts and panel: the controller's series (test/system/controller-dir.test.ts scrapes them)
  ...Object.fromEntries(Object.values(BACKUP_METRICS).map((n) => [n, 'the controller\'s backup series, not `jetkeeper metrics`\''])),
};

let cluster: LocalCluster;
let admin: JetStreamAdmin;
let client: NatsClient;
let metrics: MetricsProcess;
const ORDERS = { account: '$G', stream: 'ORDERS' };

async function scrape(): Promise<Sample[]> {
  return (await metrics.scrape()).samples;
}

/** Polls the scrape until `pick` returns a value. */
function until<T>(what: string, pick: (s: Sample[]) => T | undefined, timeoutMs = 30_000): Promise<T> {
  return eventually(what, async () => pick(await scrape()), timeoutMs);
}

before(async () => {
  cluster = await startTestCluster(3);
  const settings = clusterSettings(cluster);
  admin = await JetStreamAdmin.connect(settings);
  client = await NatsClient.connect(settings);
  await admin.createStream({ name: 'ORDERS', subjects: ['orders.>'], num_replicas: 3, storage: 'file', retention: 'limits', max_bytes: 10_000_000 });
  await admin.createStream({ name: 'FILL', subjects: ['fill.>'], num_replicas: 3, storage: 'file', retention: 'limits', max_bytes: 100_000, max_msgs: 1_000, discard: 'new' });
  await admin.createStream({ name: 'COPY', num_replicas: 1, storage: 'file', retention: 'limits', mirror: { name: 'ORDERS' } });
  await admin.createConsumer('ORDERS', { durable_name: 'idle', ack_policy: 'explicit', num_replicas: 3 });
  await admin.createConsumer('ORDERS', {
    durable_name: 'worker', ack_policy: 'explicit', ack_wait: 60e9, num_replicas: 3, max_ack_pending: 5, // a fetch after the naks can only get the redeliveries
    metadata: { 'io.nats.monitor.last-ack-critical': '1m', 'io.nats.monitor.unprocessed-critical': '1000' },
  });
  metrics = await startMetrics([
    // one server only: the kill test keeps the stream leader off it, so no advisory is lost to a reconnect
    '--monitor', cluster.servers.map((s) => s.monitorUrl).join(','), '-s', cluster.servers[0].clientUrl,
    '--expect-servers', '3', '--max-age', '0s', '--compat', 'exporter',
  ]);
});

after(async () => {
  await metrics?.stop();
  await client?.close();
  await admin?.close();
  await cluster?.stop({ purge: true });
});

async function publish(subject: string, n: number, payload: Uint8Array | string = 'x'): Promise<void> {
  for (let i = 0; i < n; i++) await client.js.publish(subject, payload);
}

describe('jetkeeper metrics on a 3-server cluster', () => {
  test('publishing without consuming: num_pending and the oldest-pending age rise', async () => {
    await publish('orders.new', 20);
    const first = await until('idle consumer sees 20 pending with an age', (s) => {
      const age = value(s, 'jetkeeper_consumer_oldest_pending_age_seconds', { ...ORDERS, consumer: 'idle' });
      return value(s, 'jetkeeper_consumer_num_pending', { ...ORDERS, consumer: 'idle' }) === 20 && age !== undefined ? age : undefined;
    });
    await publish('orders.new', 10);
    const second = await until('30 pending and an older oldest message', (s) => {
      const age = value(s, 'jetkeeper_consumer_oldest_pending_age_seconds', { ...ORDERS, consumer: 'idle' });
      return value(s, 'jetkeeper_consumer_num_pending', { ...ORDERS, consumer: 'idle' }) === 30 && age !== undefined && age > first ? age : undefined;
    });
    assert.ok(second > first);
    // nothing delivered yet: no unacked age
    assert.equal(value(await scrape(), 'jetkeeper_consumer_oldest_unacked_age_seconds', { ...ORDERS, consumer: 'idle' }), undefined);
  });

  test('nak then redelivery: num_redelivered, ack pending and the oldest-unacked age', async () => {
    const c = await client.js.consumers.get('ORDERS', 'worker');
    for (const m of await collect(c.fetch({ max_messages: 5, expires: 2_000 }))) m.nak();
    const again = await collect(c.fetch({ max_messages: 5, expires: 2_000 }));
    assert.ok(again.some((m) => m.redelivered));
    const s = await until('worker redeliveries and unacked age', (x) => {
      const labels = { ...ORDERS, consumer: 'worker' };
      return (value(x, 'jetkeeper_consumer_num_redelivered', labels) ?? 0) > 0 && value(x, 'jetkeeper_consumer_oldest_unacked_age_seconds', labels) !== undefined ? x : undefined;
    });
    const labels = { ...ORDERS, consumer: 'worker' };
    assert.equal(value(s, 'jetkeeper_consumer_num_ack_pending', labels), 5);
    assert.ok((value(s, 'jetkeeper_consumer_oldest_unacked_age_seconds', labels) ?? 0) > 0);
    assert.equal(value(s, 'jetkeeper_consumer_threshold', { ...labels, check: 'last-ack-critical' }), 60);
    assert.equal(value(s, 'jetkeeper_consumer_threshold', { ...labels, check: 'unprocessed-critical' }), 1000);
    for (const m of again) m.ack();
    await until('ack pending back to 0 and no unacked age', (x) =>
      value(x, 'jetkeeper_consumer_num_ack_pending', labels) === 0 && value(x, 'jetkeeper_consumer_oldest_unacked_age_seconds', labels) === undefined ? true : undefined);
  });

  test('a stream at ~75 % of its max_bytes: the ratio, and the storage warning fires in promtool on the scraped value', async (t) => {
    const payload = new Uint8Array(1_000);
    let bytes = 0;
    while (bytes < 75_000) {
      await publish('fill.x', 5, payload);
      bytes = (await admin.streamInfo('FILL'))!.state.bytes;
    }
    const s = await scrape();
    const ratio = value(s, 'jetkeeper_stream_bytes_ratio', { account: '$G', stream: 'FILL' })!;
    assert.ok(ratio >= 0.75 && ratio < 0.85, `ratio ${ratio}`);
    assert.equal(ratio, bytes / 100_000);
    assert.equal(value(s, 'jetkeeper_stream_max_bytes', { stream: 'FILL' }), 100_000);
    assert.ok((value(s, 'jetkeeper_stream_messages_ratio', { stream: 'FILL' }) ?? 0) > 0);
    assert.equal(value(s, 'nats_stream_total_bytes', { stream_name: 'FILL', is_stream_leader: 'true' }), bytes);
    await promtoolFiresOn(t, s.filter((x) => x.name === 'jetkeeper_stream_bytes_ratio' && x.labels.stream === 'FILL'));
  });

  test('every metric the rules and the dashboard name is in a real scrape, with HELP text', async () => {
    await stepDown('ORDERS');
    const idle = await client.js.consumers.get('ORDERS', 'idle');
    assert.equal((await collect(idle.fetch({ max_messages: 1, expires: 2_000 }))).length, 1);
    await until('a leader-elected advisory counted', (x) => (value(x, 'jetkeeper_advisories_total', { kind: 'stream_leader_elected' }) ?? 0) > 0 ? true : undefined);
    const { text, samples } = await metrics.scrape();
    const have = new Set(samples.map((x) => x.name));
    const rules = parse(readFileSync(join(root, 'deploy/monitoring/jetkeeper-rules.yaml'), 'utf8')) as RulesFile;
    const dashboard = JSON.parse(readFileSync(join(root, 'deploy/monitoring/grafana-dashboard.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const named = new Set([...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)), ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))].flatMap(metricNames));
    const missing = [...named].filter((n) => !have.has(n) && !(n in ABSENT_HERE));
    assert.deepEqual(missing, []);
    const help = helpTexts(text);
    for (const n of have) assert.ok((help.get(n) ?? '').length > 10, `HELP of ${n}`);
    assert.ok(value(samples, 'jetkeeper_stream_source_lag_operations', { stream: 'COPY', source: 'ORDERS', kind: 'mirror' }) !== undefined);
  });

  test('no secret and no unbounded label in the scrape', async () => {
    const { samples } = await metrics.scrape();
    const labelNames = new Set(samples.flatMap((x) => Object.keys(x.labels)));
    for (const l of labelNames) assert.ok(!/subject|seq|msg_id/.test(l), `label ${l}`);
  });

  test('killing the stream leader: server down, replicas offline, cluster size, a leader election; restart recovers', async () => {
    const connectedTo = cluster.servers[0].name;
    let leader = await streamLeader('ORDERS');
    while (leader === connectedTo) leader = await stepDown('ORDERS', leader);
    const before = await scrape();
    const elected = value(before, 'jetkeeper_advisories_total', { kind: 'stream_leader_elected', stream: 'ORDERS' }) ?? 0;
    await cluster.killServer(leader);
    await until('the killed server down and 2 seen', (s) =>
      value(s, 'jetkeeper_server_up', { server: leader, cluster: 'jetkeeper' }) === 0 && value(s, 'jetkeeper_cluster_servers_seen', { cluster: 'jetkeeper' }) === 2 ? true : undefined, 60_000);
    await until('a new leader elected (advisory counted)', (s) =>
      (value(s, 'jetkeeper_advisories_total', { kind: 'stream_leader_elected', stream: 'ORDERS' }) ?? 0) > elected ? true : undefined, 60_000);
    const down = await until('a replica of ORDERS offline', (s) => (value(s, 'jetkeeper_stream_replicas_offline', ORDERS) === 1 ? s : undefined), 60_000);
    assert.equal(value(down, 'jetkeeper_cluster_servers_expected', { cluster: 'jetkeeper' }), 3);
    assert.equal(value(down, 'jetkeeper_gather_servers_failed'), 1);
    assert.notEqual(down.find((x) => x.name === 'jetkeeper_stream_leader' && x.labels.stream === 'ORDERS')?.labels.server, leader);
    await cluster.restartServer(leader);
    await until('all 3 back, replicas current', (s) =>
      value(s, 'jetkeeper_cluster_servers_seen', { cluster: 'jetkeeper' }) === 3 && value(s, 'jetkeeper_stream_replicas_offline', ORDERS) === 0
        && value(s, 'jetkeeper_stream_replicas_current', ORDERS) === 3 && value(s, 'jetkeeper_server_up', { server: leader }) === 1 ? true : undefined, 60_000);
  });
});

/** The stream's leader as the scrape shows it (once there is one). */
function streamLeader(stream: string, not?: string): Promise<string> {
  return until(`a leader of ${stream}${not ? ` other than ${not}` : ''}`, (s) => {
    const l = s.find((x) => x.name === 'jetkeeper_stream_leader' && x.labels.stream === stream)?.labels.server;
    return l && l !== not ? l : undefined;
  });
}

/** Asks the stream's leader to step down; resolves with the new leader. */
async function stepDown(stream: string, current?: string): Promise<string> {
  const was = current ?? await streamLeader(stream);
  await client.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, new Uint8Array(), { timeoutMs: 10_000 });
  return streamLeader(stream, was);
}

async function collect<T>(it: Promise<AsyncIterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const m of await it) out.push(m);
  return out;
}

/** Writes the scraped samples as a promtool test input held for 10 minutes and checks the warning fires and the critical does not. */
async function promtoolFiresOn(t: TestContext, samples: Sample[]): Promise<void> {
  if (noPromtool) {
    t.skip(noPromtool);
    return;
  }
  const dir = makeTempDir('jetkeeper-promtool-');
  const rules = parse(readFileSync(join(root, 'deploy/monitoring/jetkeeper-rules.yaml'), 'utf8')) as RulesFile;
  writeFileSync(join(dir, 'rules.yaml'), stringify(withoutAnnotations(rules)));
  const series = samples.map((x) => ({
    series: `jetkeeper_stream_bytes_ratio{${Object.entries(x.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`,
    values: `${x.value}x15`,
  }));
  const labels = { severity: 'warning', ...samples[0].labels };
  writeFileSync(join(dir, 'test.yaml'), stringify({
    rule_files: ['rules.yaml'], evaluation_interval: '1m',
    tests: [{
      interval: '1m', input_series: series,
      alert_rule_test: [
        { eval_time: '10m', alertname: 'JetkeeperStreamStorageWarning', exp_alerts: [{ exp_labels: labels }] },
        { eval_time: '10m', alertname: 'JetkeeperStreamStorageCritical', exp_alerts: [] },
      ],
    }],
  }));
  const r = spawnSync(promtool, ['test', 'rules', join(dir, 'test.yaml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}
