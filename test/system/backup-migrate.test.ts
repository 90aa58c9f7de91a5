/**
 * The seed's compliance exercise on a real 3-node cluster: ORDERS captures `orders.>`, including
 * customer support notes; migrated to the three explicit subjects, the new stream holds no
 * `orders.support.*` message (checked by a replay), consumers continue where they were, and the
 * old stream is kept until confirmed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, AckPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { migrateStream, planMigration } from '../../src/backup/index.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { consumerPositions, replayStream } from '../../src/nats/snapshot.js';
import { clusterSettings, type LocalCluster } from '../../src/local/cluster.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';

const KEEP = ['orders.created', 'orders.paid', 'orders.cancelled'];
let cluster: LocalCluster;
let admin: JetStreamAdmin;
let js: JetStreamClient;
let dir: string;

before(async () => {
  cluster = await startTestCluster(3);
  admin = await JetStreamAdmin.connect(clusterSettings(cluster, 30_000));
  js = jetstream(admin.nc, { timeout: 30_000 });
  dir = makeTempDir('jetkeeper-migrate-');
  await admin.createStream({ name: 'ORDERS', subjects: ['orders.>'], storage: 'file', num_replicas: 3 });
  const subjects = [...KEEP, 'orders.support.notes'];
  for (let i = 0; i < 400; i++) await js.publish(subjects[i % 4]!, `m${i}`);
  await admin.createConsumer('ORDERS', { durable_name: 'fulfillment-created', filter_subject: 'orders.created', ack_policy: AckPolicy.Explicit });
  await admin.createConsumer('ORDERS', { durable_name: 'support-desk', filter_subject: 'orders.support.notes', ack_policy: AckPolicy.Explicit });
  const c = await js.consumers.get('ORDERS', 'fulfillment-created');
  const batch = await c.fetch({ max_messages: 40, expires: 5_000 });
  for await (const m of batch) m.ack();
  await admin.nc.flush();
});

after(async () => {
  await admin?.close();
  await cluster?.stop({ purge: true });
});

const opts = () => ({ stream: 'ORDERS', subjects: KEEP, backupDir: dir });

test('the dry run shows what leaves the stream and changes nothing', async () => {
  const p = await migrateStream(admin, { ...opts(), dryRun: true });
  assert.deepEqual(p.leaves, { 'orders.support.notes': 100 });
  assert.equal(Object.values(p.keeps).reduce((a, b) => a + b, 0), 300);
  assert.deepEqual(p.consumers.map((c) => [c.name, c.action]), [['fulfillment-created', 'recreate'], ['support-desk', 'left-behind']]);
  assert.ok(p.steps.every((s) => !s.done));
  assert.equal(await admin.streamInfo('ORDERS_V2'), undefined);
  assert.equal(existsSync(join(dir, 'ORDERS')), false);
});

test('the migration leaves no orders.support.* message in the new stream, consumers continue, the old stream stays', async () => {
  const steps: string[] = [];
  const p = await migrateStream(admin, { ...opts(), onStep: (s) => steps.push(s) });
  assert.deepEqual(steps, ['backup', 'create', 'catch-up', 'consumers', 'cutover']);
  assert.deepEqual(p.steps.map((s) => [s.step, s.done]), [['backup', true], ['create', true], ['catch-up', true], ['consumers', true], ['cutover', true], ['delete-old', false]]);
  const seen: Record<string, number> = {};
  await replayStream(admin, 'ORDERS_V2', (m) => void (seen[m.subject] = (seen[m.subject] ?? 0) + 1));
  assert.deepEqual(Object.keys(seen).sort(), [...KEEP].sort());
  assert.ok(!Object.keys(seen).some((s) => s.startsWith('orders.support.')));
  const info = (await admin.streamInfo('ORDERS_V2'))!;
  assert.deepEqual(info.config.subjects, KEEP);
  assert.equal(info.config.sources, undefined);
  assert.ok(await admin.streamInfo('ORDERS'), 'old stream kept until confirmed');
  // the recreated consumer starts after what it had acked: 100 orders.created, 40 acked
  const [pos] = await consumerPositions(admin, 'ORDERS_V2');
  assert.equal(pos!.name, 'fulfillment-created');
  assert.equal(pos!.numPending, 60);
  assert.deepEqual((await consumerPositions(admin, 'ORDERS_V2')).map((c) => c.name), ['fulfillment-created']);
  // new messages go to the new stream
  const ack = await js.publish('orders.created', 'after cutover');
  assert.equal(ack.stream, 'ORDERS_V2');
  assert.ok(JSON.parse(readFileSync(join(dir, 'ORDERS', 'jetkeeper-backup.json'), 'utf8')).verifications[0].ok);
});

test('a second run resumes (nothing left but the confirmation); --confirm deletes the old stream', async () => {
  const p = await planMigration(admin, opts());
  assert.deepEqual(p.steps.filter((s) => !s.done).map((s) => s.step), ['delete-old']);
  const steps: string[] = [];
  await migrateStream(admin, { ...opts(), onStep: (s) => steps.push(s) });
  assert.equal(steps.length, 0);
  await migrateStream(admin, { ...opts(), confirm: true, onStep: (s) => steps.push(s) });
  assert.deepEqual(steps, ['delete-old']);
  assert.equal(await admin.streamInfo('ORDERS'), undefined);
  assert.ok(existsSync(join(dir, 'ORDERS', 'backup.json')), 'the verified backup stays');
});
