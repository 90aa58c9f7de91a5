/**
 * The directory controller as a user runs it (`node bin/jetkeeper.js controller --source dir:...`
 * as a child process) against one real 3-node nats-server cluster: create, change, drift by hand
 * repaired (an edited stream, a deleted consumer), drift only reported, a removed file pruned
 * (only what jetkeeper created), an invalid file touching nothing, an empty directory pruning
 * nothing, and a SIGKILL mid-apply followed by a restart that converges without duplicates or
 * lost data. Every assertion reads the NATS server, or the controller's /status and /metrics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { LocalCluster } from '../../src/local/cluster.js';
import { Controller } from '../../src/controller/controller.js';
import { DEFAULT_POLICY, type ControllerSource, type EventReason, type ItemStatus, type RemovalResult, type SourceItem, type SourceSink } from '../../src/controller/source.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import { JkError } from '../../src/errors.js';
import { sleep } from '../../src/nats/retry.js';
import { eventually } from '../helpers/monitor.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'jetkeeper.js');
const API = 'jetstream.nats.io/v1beta2';
const SYNC = '2s';

const streamDoc = (name: string, extra = '', replicas = 3) =>
  `apiVersion: ${API}\nkind: Stream\nmetadata: {name: ${name.toLowerCase().replace(/_/g, '-')}}\nspec: {name: ${name}, subjects: ["${name.toLowerCase()}.>"], storage: file, replicas: ${replicas}${extra}}\n---\n`;
const consumerDoc = (stream: string, durable: string) =>
  `apiVersion: ${API}\nkind: Consumer\nmetadata: {name: ${durable}}\nspec: {streamName: ${stream}, durableName: ${durable}, ackPolicy: explicit}\n---\n`;

interface Status { key: string; status?: { ready: boolean; reason: string; message: string; observedGeneration: number } }
interface PolicyStatus { ready: boolean; reason: string; message: string; lastSuccessTime?: string; lastVerifiedTime?: string; lastVerified?: boolean; nextRunTime?: string; streams?: { stream: string; ok: boolean; dir?: string; verified?: boolean }[] }
interface Snapshot { ready: boolean; items: Status[]; removals: { key: string; state: string; message: string }[]; backupPolicies: { key: string; status: PolicyStatus }[] }

class Running {
  url?: string;
  lines: string[] = [];
  exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    let buf = '';
    proc.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        const m = /endpoints on (http:\/\/[^\s"]+)/.exec(line);
        if (m) this.url = m[1];
      }
    });
    proc.stdout!.resume();
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }
  async status(): Promise<Snapshot> {
    const r = await fetch(`${this.url}/status`);
    return (await r.json()) as Snapshot;
  }
  async policy(key: string): Promise<PolicyStatus | undefined> {
    return (await this.status()).backupPolicies.find((p) => p.key === key)?.status;
  }
  async item(key: string): Promise<Status['status']> {
    return (await this.status()).items.find((i) => i.key === key)?.status;
  }
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  }
}

describe('jetkeeper controller --source dir: on a real 3-node cluster', () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let dir: string;
  let park: string;
  const running = new Set<Running>();

  async function start(extra: string[] = [], opts: { dir?: string; servers?: string; ready?: boolean } = {}): Promise<Running> {
    const args = ['controller', '--source', `dir:${opts.dir ?? dir}`, '-s', opts.servers ?? cluster.urls.join(','), '--listen', '127.0.0.1:0', '--sync-interval', SYNC, '--log-format', 'text', ...extra];
    const proc = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, NATS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = new Running(proc);
    running.add(r);
    await eventually('the controller to listen', async () => r.url, 20_000);
    if (opts.ready === false) return r;
    await eventually('the controller to be ready', async () => ((await fetch(`${r.url}/readyz`)).status === 200 ? true : undefined), 30_000);
    return r;
  }

  async function stop(r: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    r.proc.kill(signal);
    const code = await r.exited;
    running.delete(r);
    return code;
  }

  const streamCfg = async (name: string) => (await jsm.streams.info(name)).config;
  const exists = async (name: string) => jsm.streams.info(name).then(() => true, () => false);
  const consumerExists = async (stream: string, name: string) => jsm.consumers.info(stream, name).then(() => true, () => false);
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);

  before(async () => {
    cluster = await startTestCluster(3);
    nc = await connect({ servers: cluster.urls });
    jsm = await jetstreamManager(nc);
    const tmp = makeTempDir('jetkeeper-controller-');
    dir = join(tmp, 'manifests');
    park = join(tmp, 'parked');
    mkdirSync(dir);
    mkdirSync(park);
  });

  after(async () => {
    for (const r of running) {
      r.proc.kill('SIGKILL');
      await r.exited;
    }
    await nc?.close();
    await cluster?.stop({ purge: true });
  });

  let ctl: Running;

  test('creates what the directory declares and reports it Ready', async () => {
    write('orders.yaml', streamDoc('ORDERS', ', maxAge: 1h') + consumerDoc('ORDERS', 'ship'));
    ctl = await start();
    await eventually('both Ready', async () => {
      const s = await ctl.status();
      return s.items.length === 2 && s.items.every((i) => i.status?.ready) ? s : undefined;
    });
    const cfg = await streamCfg('ORDERS');
    assert.equal(cfg.num_replicas, 3);
    assert.equal(cfg.max_age, 3600e9);
    assert.equal(cfg.metadata?.['jetkeeper.io/owner'], 'default');
    assert.ok(await consumerExists('ORDERS', 'ship'));
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) await js.publish('orders.new', 'x');
  });

  test('a changed file is applied (Updated)', async () => {
    write('orders.yaml', streamDoc('ORDERS', ', maxAge: 2h') + consumerDoc('ORDERS', 'ship'));
    await eventually('max_age 2h on the server', async () => ((await streamCfg('ORDERS')).max_age === 7200e9 ? true : undefined));
    const st = await eventually('status after the update', async () => {
      const s = await ctl.item('Stream/ORDERS');
      return s && s.observedGeneration === 2 && s.ready ? s : undefined;
    });
    assert.ok(['Updated', 'InSync'].includes(st.reason), st.reason);
  });

  test('a BackupPolicy file: backups on its schedule, each verified by a restore, retention kept, status and metrics; restart keeps the record', async () => {
    const dest = join(dir, '..', 'backups');
    const policyDoc = (extra = '') => `apiVersion: jetstream.jetkeeper.io/v1alpha1\nkind: BackupPolicy\nmetadata: {name: nightly}\nspec: {streams: [ORDERS], schedule: "*/3 * * * * *", retention: 2, destination: ${JSON.stringify(dest)}, maxVerifiedAge: 1h${extra}}\n`;
    const started = Date.now() / 1000;
    write('backup.yaml', policyDoc());
    write('broken-policy.yaml', policyDoc().replace('nightly', 'broken').replace('*/3 * * * * *', 'every night'));
    const ok = await eventually('two verified runs', async () => {
      const p = await ctl.policy('BackupPolicy/nightly');
      return p?.reason === 'Succeeded' && p.lastVerified && p.streams?.[0]?.verified && readdirSync(join(dest, 'ORDERS')).length >= 2 ? p : undefined;
    }, 60_000);
    assert.equal(ok.ready, true);
    assert.ok(Date.parse(ok.nextRunTime!) > Date.now() - 3000, ok.nextRunTime);
    const bad = await ctl.policy('BackupPolicy/broken');
    assert.equal(bad?.reason, 'InvalidPolicy');
    assert.match(bad!.message, /spec\.schedule/);
    assert.match(bad!.message, /broken-policy\.yaml:\d+/);
    // the backups are real: the newest restores (as a scratch copy) with every message of ORDERS
    const newest = join(dest, 'ORDERS', readdirSync(join(dest, 'ORDERS')).sort().at(-1)!);
    const side = JSON.parse(readFileSync(join(newest, 'jetkeeper-backup.json'), 'utf8')) as { verifications: { ok: boolean }[]; digest?: { messages: number } };
    assert.ok(side.verifications.some((v) => v.ok));
    assert.equal(side.digest?.messages, (await jsm.streams.info('ORDERS')).state.messages);
    await eventually('retention: at most 2 backups kept', async () => (readdirSync(join(dest, 'ORDERS')).length === 2 && (await ctl.policy('BackupPolicy/nightly'))?.reason === 'Succeeded' ? true : undefined), 30_000);
    const text = await (await fetch(`${ctl.url}/metrics`)).text();
    const verifiedAt = Number(/^jetkeeper_backup_last_verified_timestamp_seconds\{policy="nightly",stream="ORDERS"\} (\S+)$/m.exec(text)?.[1]);
    assert.ok(verifiedAt >= started, text);
    assert.match(text, /^jetkeeper_backup_max_verified_age_seconds\{policy="nightly",stream="ORDERS"\} 3600$/m);
    assert.match(text, /^jetkeeper_backup_runs_total\{policy="nightly",result="ok"\} [1-9]/m);
    // suspended: no more runs; a second (read-only) controller starts from what is on disk
    write('backup.yaml', policyDoc(', suspend: true'));
    await eventually('Suspended', async () => ((await ctl.policy('BackupPolicy/nightly'))?.reason === 'Suspended' ? true : undefined));
    const ro = await start(['--read-only']);
    try {
      const seeded = await eventually('seeded from disk', async () => (await ro.policy('BackupPolicy/nightly'))?.lastVerifiedTime);
      assert.ok(Date.parse(seeded) / 1000 >= started);
      const roText = await (await fetch(`${ro.url}/metrics`)).text();
      assert.match(roText, /^jetkeeper_backup_last_verified_timestamp_seconds\{policy="nightly",stream="ORDERS"\} \d/m);
    } finally {
      await stop(ro);
    }
    rmSync(join(dir, 'backup.yaml'));
    rmSync(join(dir, 'broken-policy.yaml'));
    await eventually('the policies leave /status', async () => ((await ctl.status()).backupPolicies.length === 0 ? true : undefined));
    assert.equal(readdirSync(join(dest, 'ORDERS')).length, 2, 'removing a policy keeps its backups');
  });

  test('with --monitor, /metrics also carries the JetStream series of `jetkeeper metrics`', async () => {
    const monitor = cluster.servers.map((sv) => sv.monitorUrl).join(',');
    const ro = await start(['--read-only', '--monitor', monitor, '--expect-servers', '3']);
    try {
      const text = await (await fetch(`${ro.url}/metrics`)).text();
      assert.match(text, /^jetkeeper_stream_messages\{[^}]*stream="ORDERS"[^}]*\} 5$/m);
      assert.match(text, /^jetkeeper_controller_reconciles_total/m);
    } finally {
      await stop(ro);
    }
  });

  test('drift by hand is repaired: an edited stream, a deleted consumer', async () => {
    const cfg = await streamCfg('ORDERS');
    await jsm.streams.update('ORDERS', { ...cfg, max_msgs: 10 });
    assert.equal((await streamCfg('ORDERS')).max_msgs, 10);
    await jsm.consumers.delete('ORDERS', 'ship');
    await eventually('max_msgs put back', async () => ((await streamCfg('ORDERS')).max_msgs === -1 ? true : undefined));
    await eventually('consumer ship back', async () => ((await consumerExists('ORDERS', 'ship')) ? true : undefined));
    await eventually('both repairs counted', async () => ((await ctl.metric('jetkeeper_controller_drift_repaired_total')) >= 2 ? true : undefined));
    // the status says DriftRepaired until the next resync finds it InSync: the log lines keep it
    await eventually('both repairs logged', async () => (['Stream/ORDERS', 'Consumer/ORDERS/ship'].every((k) => ctl.lines.some((l) => l.includes(`${k}: DriftRepaired`))) ? true : undefined));
    assert.equal((await jsm.streams.info('ORDERS')).state.messages, 5, 'the stream kept its messages');
  });

  test('a removed file prunes what jetkeeper created from it; a stream made by hand survives', async () => {
    await jsm.streams.add({ name: 'HANDMADE', subjects: ['handmade.>'], num_replicas: 1 });
    write('extra.yaml', streamDoc('EXTRA', '', 1));
    await eventually('EXTRA created', async () => ((await exists('EXTRA')) ? true : undefined));
    rmSync(join(dir, 'extra.yaml'));
    await eventually('EXTRA pruned', async () => ((await exists('EXTRA')) ? undefined : true));
    await sleep(3000);
    assert.ok(await exists('HANDMADE'), 'not created by jetkeeper: never pruned');
    assert.ok(await exists('ORDERS'));
    assert.equal((await ctl.status()).items.some((i) => i.key === 'Stream/EXTRA'), false);
  });

  test('an invalid file marks its resources InvalidManifest and touches nothing', async () => {
    write('orders.yaml', `${streamDoc('ORDERS', ', maxAge: 3h')}kind: [unclosed\n`);
    await eventually('InvalidManifest', async () => {
      const s = await ctl.status();
      const both = ['Stream/ORDERS', 'Consumer/ORDERS/ship'].map((k) => s.items.find((i) => i.key === k)?.status);
      return both.every((x) => x?.reason === 'InvalidManifest' && !x.ready) ? both : undefined;
    });
    const st = await ctl.item('Stream/ORDERS');
    assert.match(st!.message, /orders\.yaml:\d+:\d+: JK1002/);
    await sleep(4500); // more than two resyncs
    assert.equal((await streamCfg('ORDERS')).max_age, 7200e9, 'the half-written change was not applied');
    assert.ok(await consumerExists('ORDERS', 'ship'), 'nothing pruned');
    write('orders.yaml', streamDoc('ORDERS', ', maxAge: 2h') + consumerDoc('ORDERS', 'ship'));
    await eventually('Ready again', async () => ((await ctl.item('Stream/ORDERS'))?.ready ? true : undefined));
  });

  test('a directory empty for a moment prunes nothing', async () => {
    renameSync(join(dir, 'orders.yaml'), join(park, 'orders.yaml'));
    await eventually('the removal refused by the guard', async () => {
      const s = await ctl.status();
      return s.items.length === 0 && s.removals.some((r) => r.state === 'refused') ? s : undefined;
    });
    await sleep(4500);
    assert.ok(await exists('ORDERS'));
    assert.ok(await consumerExists('ORDERS', 'ship'));
    assert.equal((await jsm.streams.info('ORDERS')).state.messages, 5);
    renameSync(join(park, 'orders.yaml'), join(dir, 'orders.yaml'));
    await eventually('Ready again', async () => {
      const s = await ctl.status();
      return s.items.length === 2 && s.items.every((i) => i.status?.ready) && s.removals.length === 0 ? true : undefined;
    });
  });

  test('--drift report only reports a hand edit', async () => {
    assert.equal(await stop(ctl), 0, 'SIGTERM: graceful stop, exit 0');
    ctl = await start(['--drift', 'report']);
    const cfg = await streamCfg('ORDERS');
    await jsm.streams.update('ORDERS', { ...cfg, max_msgs: 20 });
    const st = await eventually('DriftDetected', async () => {
      const s = await ctl.item('Stream/ORDERS');
      return s?.reason === 'DriftDetected' ? s : undefined;
    });
    assert.equal(st.ready, false);
    assert.match(st.message, /spec\.maxMsgs: 20 → -1/);
    await sleep(4500);
    assert.equal((await streamCfg('ORDERS')).max_msgs, 20, 'not repaired');
    assert.ok((await ctl.metric('jetkeeper_controller_drift_detected_total')) >= 1);
    assert.equal(await stop(ctl), 0);
  });

  test('SIGKILL mid-apply, then a restart converges: nothing duplicated or lost', async () => {
    const n = 40;
    let text = '';
    for (let i = 0; i < n; i++) text += streamDoc(`BULK_${i}`, '', 1) + consumerDoc(`BULK_${i}`, `c${i}`);
    write('bulk.yaml', text);
    const first = await start(['--workers', '1', '--concurrency', '1']);
    const bulk = async () => (await jsm.streams.names().next()).filter((x) => x.startsWith('BULK_'));
    await eventually('some BULK streams', async () => ((await bulk()).length >= 1 ? true : undefined), 30_000);
    await stop(first, 'SIGKILL');
    const partial = (await bulk()).length;
    assert.ok(partial < n, `killed mid-apply (${partial} of ${n} streams existed)`);
    const second = await start();
    await eventually('every BULK item Ready', async () => {
      const s = await second.status();
      const b = s.items.filter((i) => i.key.includes('BULK_'));
      return b.length === 2 * n && b.every((i) => i.status?.ready) ? true : undefined;
    }, 90_000);
    const names = await bulk();
    assert.equal(names.length, n, `exactly ${n} streams (had ${partial} at the kill)`);
    for (let i = 0; i < n; i++) {
      const consumers = await jsm.consumers.list(`BULK_${i}`).next();
      assert.deepEqual(consumers.map((c) => c.name), [`c${i}`]);
    }
    // the drift left by --drift report is repaired by the repairing controller
    await eventually('ORDERS repaired', async () => ((await streamCfg('ORDERS')).max_msgs === -1 ? true : undefined));
    assert.equal((await jsm.streams.info('ORDERS')).state.messages, 5, 'no message lost');
    assert.ok(await exists('HANDMADE'));
    assert.equal(await stop(second), 0);
  });

  test('--read-only writes nothing and reports the difference', async () => {
    write('ro.yaml', streamDoc('RO_ONLY', '', 1));
    const ro = await start(['--read-only']);
    const st = await eventually('DriftDetected', async () => {
      const x = await ro.item('Stream/RO_ONLY');
      return x?.reason === 'DriftDetected' ? x : undefined;
    });
    assert.match(st.message, /does not exist.*read-only/);
    await sleep(3000);
    assert.equal(await exists('RO_ONLY'), false);
    assert.equal(await stop(ro), 0);
    rmSync(join(dir, 'ro.yaml'));
  });

  test('a consumer waits for its stream (StreamMissing), then follows it; NotOwned until adopted; immutable changes refused with the plan', async () => {
    ctl = await start();
    write('late-consumer.yaml', consumerDoc('LATE', 'c1'));
    await eventually('StreamMissing', async () => ((await ctl.item('Consumer/LATE/c1'))?.reason === 'StreamMissing' ? true : undefined));
    write('late-stream.yaml', streamDoc('LATE', '', 1));
    await eventually('the consumer created after its stream', async () => ((await ctl.item('Consumer/LATE/c1'))?.ready && (await consumerExists('LATE', 'c1')) ? true : undefined));

    write('handmade.yaml', streamDoc('HANDMADE', ', maxAge: 1h', 1));
    const foreign = await eventually('NotOwned', async () => {
      const x = await ctl.item('Stream/HANDMADE');
      return x?.reason === 'NotOwned' ? x : undefined;
    });
    assert.match(foreign.message, /jetkeeper\.io\/adopt/);
    assert.equal((await streamCfg('HANDMADE')).max_age, 0, 'not touched');
    const adopted = streamDoc('HANDMADE', ', maxAge: 1h', 1).replace('metadata: {name: handmade}', 'metadata: {name: handmade, annotations: {jetkeeper.io/adopt: "true"}}');
    write('handmade.yaml', adopted);
    await eventually('adopted and updated', async () => ((await streamCfg('HANDMADE')).max_age === 3600e9 ? true : undefined));

    write('imm.yaml', streamDoc('IMM', '', 1));
    await eventually('IMM created', async () => ((await ctl.item('Stream/IMM'))?.ready ? true : undefined));
    await jetstream(nc).publish('imm.x', 'kept');
    write('imm.yaml', streamDoc('IMM', '', 1).replace('storage: file', 'storage: memory'));
    const refused = await eventually('ImmutableFieldChanged', async () => {
      const x = await ctl.item('Stream/IMM');
      return x?.reason === 'ImmutableFieldChanged' ? x : undefined;
    });
    assert.equal(refused.ready, false);
    assert.match(refused.message, /spec\.storage: file → memory/);
    assert.match(refused.message, /recreating would lose: deletes stream IMM and its 1 messages/);
    assert.equal((await streamCfg('IMM')).storage, 'file');
    write('imm.yaml', streamDoc('IMM', '', 1).replace('storage: file', 'storage: memory').replace('metadata: {name: imm}', 'metadata: {name: imm, annotations: {jetkeeper.io/allow-replace: "true"}}'));
    await eventually('recreated in memory', async () => ((await streamCfg('IMM')).storage === 'memory' ? true : undefined));
    assert.equal(await stop(ctl), 0);
  });

  test('NATS unreachable: ConnectionFailed, /readyz 503, /healthz 200, no password shown; SIGTERM still exits 0', async () => {
    const other = join(park, 'alone');
    mkdirSync(other);
    writeFileSync(join(other, 's.yaml'), streamDoc('ALONE', '', 1));
    const down = await start([], { dir: other, servers: 'nats://jkuser:s3cret-pw@127.0.0.1:1', ready: false });
    const st = await eventually('ConnectionFailed', async () => {
      const x = await down.item('Stream/ALONE');
      return x?.reason === 'ConnectionFailed' ? x : undefined;
    });
    assert.equal(st.ready, false);
    assert.equal((await fetch(`${down.url}/readyz`)).status, 503);
    assert.equal((await fetch(`${down.url}/healthz`)).status, 200);
    const shown = [JSON.stringify(await down.status()), await (await fetch(`${down.url}/metrics`)).text()];
    assert.equal(await stop(down), 0);
    shown.push(down.lines.join('\n'));
    for (const text of shown) assert.equal(text.includes('s3cret-pw'), false, 'the password never appears');
  });

  test('the source contract, in process: reports only on change, events deduplicated, removals call back deleted / orphaned / orphaned after the timeout', async () => {
    class TestSource implements ControllerSource {
      readonly name = 'test';
      sink!: SourceSink;
      reports: [string, ItemStatus][] = [];
      events: [string, string, EventReason, string][] = [];
      async start(sink: SourceSink) { this.sink = sink; }
      async stop() {}
      report(key: string, s: ItemStatus) { this.reports.push([key, s]); }
      event(key: string, type: string, reason: EventReason, message: string) { this.events.push([key, type, reason, message]); }
      ready() { return true; }
    }
    const item = (name: string, over: Partial<SourceItem> = {}): SourceItem => {
      const v = validateDocuments(parseManifests(streamDoc(name, '', 1), `${name}.yaml`));
      const r = v.resources[0];
      return { key: `ns/${name}`, resource: r, generation: 1, policy: { ...DEFAULT_POLICY }, ...over };
    };
    const src = new TestSource();
    const c = new Controller({ source: src, connection: { servers: cluster.urls }, owner: 'contract', syncIntervalMs: 3_600_000, backoff: { baseMs: 100, maxMs: 400 } });
    try {
      await c.start();
      src.sink.upsert(item('SRC_A'));
      src.sink.upsert(item('SRC_B', { policy: { ...DEFAULT_POLICY, deletion: 'orphan' } }));
      src.sink.upsert(item('SRC_C'));
      src.sink.upsert({ key: 'ns/broken', generation: 1, policy: { ...DEFAULT_POLICY }, errors: [new JkError('JK1005', { message: 'maxAge: not a duration', resource: 'Stream/BROKEN', field: 'spec.maxAge' })] });
      src.sink.synced();
      await eventually('all valid Ready', async () => (['ns/SRC_A', 'ns/SRC_B', 'ns/SRC_C'].every((k) => c.statusOf(k)?.ready) ? true : undefined));
      assert.equal(c.statusOf('ns/broken')?.reason, 'InvalidManifest');
      assert.equal(await exists('BROKEN'), false);
      await c.resync();
      await c.idle();
      const reports = src.reports.length;
      const events = src.events.length;
      await c.resync();
      await c.idle();
      await c.resync();
      await c.idle();
      assert.equal(src.reports.length, reports, 'no status report when nothing changed');
      assert.equal(src.events.length, events, 'no repeated events');
      assert.equal(src.events.filter(([k, , r]) => k === 'ns/SRC_A' && r === 'Created').length, 1);
      assert.equal(c.statusOf('ns/SRC_A')?.observedGeneration, 1);

      const done = (key: string, opts: { timeoutMs?: number } = {}) => new Promise<RemovalResult>((resolve) => src.sink.remove(key, { done: resolve, ...opts }));
      const a = await done('ns/SRC_A');
      assert.equal(a.result, 'deleted');
      assert.equal(await exists('SRC_A'), false);
      const b = await done('ns/SRC_B');
      assert.equal(b.result, 'orphaned');
      assert.ok(await exists('SRC_B'));
      // the last one: nothing would stay declared, so the guard refuses; after the timeout it is orphaned
      const t0 = Date.now();
      const last = await done('ns/SRC_C', { timeoutMs: 1500 });
      assert.equal(last.result, 'orphaned');
      assert.match(last.message, /timeout.*prune refused/);
      assert.ok(Date.now() - t0 >= 1400);
      assert.ok(await exists('SRC_C'), 'kept: the guard refused');
      assert.ok(src.events.some(([k, , r]) => k === 'ns/SRC_C' && r === 'RemovalRefused'));
      assert.ok(src.events.some(([k, , r]) => k === 'ns/SRC_C' && r === 'Orphaned'));
    } finally {
      await c.stop();
    }
  });

  test('every server down: ConnectionFailed and not ready; back up: the pending change converges', async () => {
    ctl = await start();
    await eventually('in sync', async () => ((await ctl.status()).items.every((i) => i.status?.ready) ? true : undefined), 60_000);
    for (const s of cluster.servers) await cluster.killServer(s.name);
    write('orders.yaml', streamDoc('ORDERS', ', maxAge: 4h') + consumerDoc('ORDERS', 'ship'));
    await eventually('ConnectionFailed', async () => ((await ctl.item('Stream/ORDERS'))?.reason === 'ConnectionFailed' ? true : undefined), 60_000);
    assert.equal((await fetch(`${ctl.url}/readyz`)).status, 503);
    for (const s of cluster.servers) cluster.spawn(s);
    cluster.writeFiles();
    await cluster.waitReady({ timeoutMs: 60_000 });
    await eventually('the change applied after recovery', async () => ((await streamCfg('ORDERS')).max_age === 4 * 3600e9 ? true : undefined), 90_000);
    await eventually('Ready again', async () => ((await ctl.item('Stream/ORDERS'))?.ready ? true : undefined), 30_000);
    await eventually('/readyz 200 again', async () => ((await fetch(`${ctl.url}/readyz`)).status === 200 ? true : undefined), 30_000);
    assert.equal((await jsm.streams.info('ORDERS')).state.messages, 5, 'no message lost');
    assert.equal(await stop(ctl), 0);
  });
});
