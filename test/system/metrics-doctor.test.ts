/**
 * `jetkeeper doctor`, `check` and `report` as a user runs them, against real clusters: a lazy-fsync
 * cluster with an R3 file stream is an fsync finding and a `sync_interval: always` cluster is not;
 * a killed server is a critical finding that goes away after its restart; check's Nagios exit codes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { clusterSettings, type LocalCluster } from '../../src/local/cluster.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import type { DoctorReport } from '../../src/metrics/doctor.js';
import { eventually } from '../helpers/monitor.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';
import { runJetkeeper } from '../helpers/cli.js';

const bin = fileURLToPath(new URL('../../../bin/jetkeeper.js', import.meta.url));
const home = makeTempDir('jetkeeper-doctor-home-');

const run = (args: string[]) => runJetkeeper(args, { JETKEEPER_HOME: home, KUBECONFIG: '/nonexistent' });

function at(c: LocalCluster): string[] {
  return ['--monitor', c.servers.map((s) => s.monitorUrl).join(','), '-s', c.urls.join(',')];
}

async function doctorJson(c: LocalCluster, extra: string[] = []): Promise<DoctorReport & { code: number }> {
  const r = await run(['doctor', ...at(c), '-o', 'json', '--expect-servers', '3', ...extra]);
  return { ...(JSON.parse(r.out) as DoctorReport), code: r.code };
}

let lazy: LocalCluster;
let always: LocalCluster;

before(async () => {
  lazy = await startTestCluster(3);
  always = await startTestCluster(3, { syncAlways: true });
  for (const c of [lazy, always]) {
    const admin = await JetStreamAdmin.connect(clusterSettings(c));
    try {
      await admin.createStream({
        name: 'ORDERS', subjects: ['orders.>'], num_replicas: 3, storage: 'file', retention: 'limits',
        metadata: { 'io.nats.monitor.msgs-warn': '5', 'io.nats.monitor.peer-expect': '3' },
      });
      await admin.createConsumer('ORDERS', { durable_name: 'worker', ack_policy: 'explicit', num_replicas: 3, metadata: { 'io.nats.monitor.unprocessed-critical': '1' } });
    } finally {
      await admin.close();
    }
  }
});

after(async () => {
  await lazy?.stop({ purge: true });
  await always?.stop({ purge: true });
});

describe('doctor, check and report on real clusters', () => {
  test('a lazy-fsync cluster with an R3 file stream is an fsync finding; a sync_interval: always cluster is not', async () => {
    const l = await doctorJson(lazy);
    const fl = l.findings.find((x) => x.check === 'fsync')!;
    assert.equal(fl.severity, 'info');
    assert.match(fl.evidence, /ORDERS/);
    assert.match(fl.fix, /sync_interval: always/);
    const a = await doctorJson(always);
    assert.equal(a.findings.find((x) => x.check === 'fsync')!.severity, 'ok');
    assert.equal(a.findings.find((x) => x.check === 'kubeconfig')!.severity, 'info');
  });

  test('check: msgs-warn is a minimum (an empty stream warns), unprocessed-critical, not found, unknown', async () => {
    const w = await run(['check', 'stream', 'ORDERS', '-s', lazy.urls.join(',')]);
    assert.equal(w.code, 1, w.out + w.err);
    assert.match(w.out, /^WARNING stream ORDERS: 0 messages/);
    const admin = await JetStreamAdmin.connect(clusterSettings(lazy));
    try {
      for (let i = 0; i < 6; i++) await admin.nc.request('orders.new', new TextEncoder().encode('x'), { timeout: 5_000 });
    } finally {
      await admin.close();
    }
    const ok = await run(['check', 'stream', 'ORDERS', '-s', lazy.urls.join(','), '-o', 'json']);
    assert.equal(ok.code, 0, ok.out);
    assert.equal((JSON.parse(ok.out) as { status: string }).status, 'OK');
    const c = await run(['check', 'consumer', 'ORDERS', 'worker', '-s', lazy.urls.join(',')]);
    assert.equal(c.code, 2, c.out);
    assert.match(c.out, /unprocessed messages 6 >= 1/);
    assert.equal((await run(['check', 'stream', 'NOPE', '-s', lazy.urls.join(',')])).code, 2);
    assert.equal((await run(['check', 'stream', 'ORDERS', '-s', 'nats://127.0.0.1:1'])).code, 3);
  });

  test('report streams and consumers: storage, replicas, unprocessed as the servers report them', async () => {
    const s = JSON.parse((await run(['report', 'streams', ...at(lazy), '-o', 'json'])).out) as { streams: { stream: string; messages: number; replicas: string }[] };
    const orders = s.streams.find((x) => x.stream === 'ORDERS')!;
    assert.equal(orders.messages, 6);
    assert.equal(orders.replicas.split(', ').length, 3);
    assert.match(orders.replicas, /\*/);
    const c = JSON.parse((await run(['report', 'consumers', 'ORDERS', ...at(lazy), '-o', 'json'])).out) as { consumers: { consumer: string; unprocessed: number; mode: string }[] };
    assert.deepEqual(c.consumers.map((x) => [x.consumer, x.unprocessed, x.mode]), [['worker', 6, 'pull']]);
  });

  test('a killed server is a critical finding (exit 2) that goes away after its restart', async () => {
    const victim = always.servers[2];
    await always.killServer(victim.name);
    const down = await doctorJson(always);
    assert.equal(down.code, 2);
    assert.ok(down.findings.some((x) => x.check === 'reachable' && x.severity === 'critical' && x.evidence.includes(victim.monitorUrl)));
    assert.ok(down.findings.some((x) => x.check === 'cluster-size' && x.severity === 'critical'));
    await always.restartServer(victim.name);
    await eventually('doctor without reachability or replica findings', async () => {
      const r = await doctorJson(always);
      const bad = r.findings.filter((x) => ['reachable', 'cluster-size', 'replicas-offline', 'routes'].includes(x.check) && x.severity !== 'ok');
      return bad.length === 0 ? r : undefined;
    }, 60_000);
  });
});
