/**
 * The resource pipeline against a real 3-server nats-server cluster: the seed's order pipeline
 * applies, the server reports exactly the declared config, a second apply writes nothing,
 * immutable changes are refused without --allow-replace, export -> plan is a no-op, prune only
 * touches what jetkeeper owns. Assertions read what the server reports.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { applyPlan } from '../../src/apply/apply.js';
import { JkError } from '../../src/errors.js';
import { exportManifests } from '../../src/manifests/export.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments, type Resource } from '../../src/manifests/validate.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { plan, summarize } from '../../src/plan/plan.js';
import { compareVersions } from '../../src/resources/kind.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { startTestCluster } from '../helpers/servers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));

function resourcesFrom(text: string, file = 'inline.yaml'): Resource[] {
  const r = validateDocuments(parseManifests(text, file));
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  return r.resources;
}

const seed = () => resourcesFrom(readFileSync(fixture('order-pipeline.yaml'), 'utf8'), 'order-pipeline.yaml');

describe('pipeline against a 3-server cluster', () => {
  let cluster: LocalCluster;
  let admin: JetStreamAdmin;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const owner = 'test';

  async function planAndApply(resources: Resource[], opts: { prune?: boolean; allowReplace?: boolean } = {}) {
    const p = plan(resources, await admin.readLive(), { owner, prune: !!opts.prune });
    const r = await applyPlan(p, admin, { allowReplace: !!opts.allowReplace });
    return { plan: p, result: r };
  }

  before(async () => {
    cluster = await startTestCluster(3);
    admin = await JetStreamAdmin.connect({ servers: cluster.urls as string[] });
    nc = await connect({ servers: cluster.urls as string[] });
    jsm = await jetstreamManager(nc);
  });

  after(async () => {
    await admin?.close();
    await nc?.close();
    await cluster?.stop({ purge: true });
  });

  test('the seed order pipeline applies and the server reports exactly the declared config', async () => {
    const { plan: p, result } = await planAndApply(seed());
    assert.equal(summarize(p).create, 5);
    assert.equal(result.ok, true, JSON.stringify(result.items.filter((i) => !i.ok).map((i) => i.error?.format())));

    const orders = await jsm.streams.info('ORDERS');
    assert.deepEqual(orders.config.subjects, ['orders.created', 'orders.paid', 'orders.cancelled']);
    assert.equal(orders.config.storage, 'file');
    assert.equal(orders.config.num_replicas, 3);
    assert.equal(orders.config.retention, 'limits');
    assert.equal(orders.config.max_age, 24 * 3600 * 1e9);
    assert.equal(orders.config.max_bytes, 1073741824);
    assert.equal(orders.config.discard, 'old');
    assert.equal(orders.cluster?.replicas?.length, 2);

    const pdf = await jsm.streams.info('PDF_TASKS');
    assert.equal(pdf.config.retention, 'workqueue');
    assert.equal(pdf.config.num_replicas, 3);
    assert.equal(pdf.config.storage, 'file');

    for (const name of ['fulfillment-created', 'analytics-created']) {
      const c = await jsm.consumers.info('ORDERS', name);
      assert.equal(c.config.durable_name, name);
      assert.equal(c.config.ack_policy, 'explicit');
      assert.equal(c.config.ack_wait, 30e9);
      assert.equal(c.config.max_deliver, 5);
      assert.equal(c.config.filter_subject, 'orders.created');
      assert.equal(c.config.deliver_policy, 'all');
    }
    const w = await jsm.consumers.info('PDF_TASKS', 'pdf-workers');
    assert.equal(w.config.ack_wait, 60e9);
    assert.equal(w.config.max_deliver, 5);
  });

  test('a second identical apply sends no write request', async () => {
    const { plan: p, result } = await planAndApply(seed());
    assert.equal(summarize(p).noop, 5);
    assert.equal(result.writes, 0);
  });

  test('orders.created lands in ORDERS; inventory.adjusted does not', async () => {
    const js = jetstream(nc);
    const ack = await js.publish('orders.created', JSON.stringify({ id: 'o-1' }));
    assert.equal(ack.stream, 'ORDERS');
    await assert.rejects(js.publish('inventory.adjusted', 'x', { timeout: 2000 }));
    const info = await jsm.streams.info('ORDERS', { subjects_filter: '>' });
    assert.equal(info.state.messages, 1);
    assert.deepEqual(Object.keys(info.state.subjects ?? {}), ['orders.created']);
  });

  test('changing storage plans a replace and apply refuses it without --allow-replace, stream and messages intact', async () => {
    const changed = readFileSync(fixture('order-pipeline.yaml'), 'utf8').replace('storage: file\n  replicas: 3\n  retention: limits', 'storage: memory\n  replicas: 3\n  retention: limits');
    const p = plan(resourcesFrom(changed), await admin.readLive(), { owner, prune: false });
    const replace = p.changes.find((c) => c.key === 'Stream/ORDERS');
    assert.equal(replace?.action, 'replace');
    assert.deepEqual(replace?.fields.map((f) => [f.field, f.from, f.to]), [['storage', 'file', 'memory']]);
    assert.match(replace?.dataLoss ?? '', /1 messages/);
    const writes = admin.writes;
    await assert.rejects(applyPlan(p, admin, { allowReplace: false }), (e: unknown) => e instanceof JkError && e.code === 'JK3001');
    assert.equal(admin.writes, writes);
    const info = await jsm.streams.info('ORDERS');
    assert.equal(info.config.storage, 'file');
    assert.equal(info.state.messages, 1);
    assert.equal((await jsm.consumers.info('ORDERS', 'fulfillment-created')).config.durable_name, 'fulfillment-created');
  });

  test('an in-place update changes only the declared field', async () => {
    const changed = readFileSync(fixture('order-pipeline.yaml'), 'utf8').replace('maxAge: 24h', 'maxAge: 48h');
    const { plan: p, result } = await planAndApply(resourcesFrom(changed));
    const u = p.changes.find((c) => c.key === 'Stream/ORDERS');
    assert.equal(u?.action, 'update');
    assert.deepEqual(u?.fields.map((f) => f.field), ['maxAge']);
    assert.equal(result.writes, 1);
    const info = await jsm.streams.info('ORDERS');
    assert.equal(info.config.max_age, 48 * 3600 * 1e9);
    assert.equal(info.state.messages, 1);
    await planAndApply(seed());
    assert.equal((await jsm.streams.info('ORDERS')).config.max_age, 24 * 3600 * 1e9);
  });

  test('export -> plan is a no-op', async () => {
    const live = await admin.readLive();
    const text = exportManifests(live).map((m) => stringify(m)).join('---\n');
    const exported = resourcesFrom(text, 'export.yaml');
    assert.ok(exported.some((r) => r.key === 'Stream/ORDERS'));
    assert.ok(exported.some((r) => r.key === 'Consumer/ORDERS/fulfillment-created'));
    const p = plan(exported, live, { owner, prune: false });
    assert.deepEqual(p.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.key} ${JSON.stringify(c.fields)}`), []);
  });

  test('prune deletes only resources jetkeeper applied with this owner', async (t) => {
    if (compareVersions(admin.serverVersion, '2.10.0') < 0) {
      t.skip('ownership is kept in stream metadata, which needs nats-server 2.10');
      return;
    }
    await jsm.streams.add({ name: 'HANDMADE', subjects: ['handmade.>'] });
    const extra = `
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: scratch }
spec: { name: SCRATCH, subjects: [scratch.>], storage: file, replicas: 1 }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Consumer
metadata: { name: scratch-reader }
spec: { streamName: SCRATCH, durableName: reader, ackPolicy: explicit }
`;
    const withExtra = [...seed(), ...resourcesFrom(extra)];
    assert.equal((await planAndApply(withExtra)).result.ok, true);
    const { plan: p, result } = await planAndApply(seed(), { prune: true });
    assert.deepEqual(p.changes.filter((c) => c.action === 'delete').map((c) => c.key), ['Stream/SCRATCH']);
    assert.equal(result.ok, true);
    const names = (await jsm.streams.names().next()).sort();
    assert.deepEqual(names, ['HANDMADE', 'ORDERS', 'PDF_TASKS']);
  });

  test('KV and object store buckets apply, work with the official clients and round-trip through export', async () => {
    const buckets = resourcesFrom(`
apiVersion: jetstream.nats.io/v1beta2
kind: KeyValue
metadata: { name: carts }
spec: { bucket: carts, history: 5, ttl: 1h, storage: file, replicas: 3, maxValueSize: 4096 }
---
apiVersion: jetstream.nats.io/v1beta2
kind: ObjectStore
metadata: { name: invoices }
spec: { bucket: invoices, storage: file, replicas: 3, ttl: 24h, description: rendered PDFs }
`);
    const { plan: p, result } = await planAndApply([...seed(), ...buckets]);
    assert.deepEqual(p.changes.filter((c) => c.action === 'create').map((c) => c.key).sort(), ['KeyValue/carts', 'ObjectStore/invoices']);
    assert.equal(result.ok, true, JSON.stringify(result.items.map((i) => i.error?.format())));

    const kv = await new Kvm(nc).open('carts');
    await kv.put('cart.1', 'apples');
    assert.equal((await kv.get('cart.1'))?.string(), 'apples');
    const st = await kv.status();
    assert.equal(st.history, 5);
    assert.equal(st.ttl, 3600 * 1000);
    assert.equal(st.replicas, 3);

    const os = await new Objm(nc).open('invoices');
    await os.putBlob({ name: 'inv-1.pdf' }, new TextEncoder().encode('%PDF-1.7'));
    assert.equal(new TextDecoder().decode((await os.getBlob('inv-1.pdf')) ?? new Uint8Array()), '%PDF-1.7');

    const again = await planAndApply([...seed(), ...buckets]);
    assert.equal(again.result.writes, 0);

    const live = await admin.readLive();
    const exported = resourcesFrom(exportManifests(live).map((m) => stringify(m)).join('---\n'), 'export.yaml');
    assert.ok(exported.some((r) => r.key === 'KeyValue/carts'));
    assert.ok(exported.some((r) => r.key === 'ObjectStore/invoices'));
    const p2 = plan(exported, live, { owner, prune: false });
    assert.deepEqual(p2.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.key} ${JSON.stringify(c.fields)}`), []);
  });

  test("consumers on a stream with consumerLimits plan as no-op after apply (the server fills the stream's limits)", async (t) => {
    if (compareVersions(admin.serverVersion, '2.10.0') < 0) {
      t.skip('consumer_limits needs nats-server 2.10');
      return;
    }
    const limited = resourcesFrom(`
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: limited }
spec: { name: LIMITED, subjects: [limited.>], storage: file, consumerLimits: { maxAckPending: 100, inactiveThreshold: 1h } }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Consumer
metadata: { name: limited-reader }
spec: { streamName: LIMITED, durableName: reader, ackPolicy: explicit }
`);
    const first = await planAndApply([...seed(), ...limited]);
    assert.equal(first.result.ok, true, JSON.stringify(first.result.items.map((i) => i.error?.format())));
    const c = await jsm.consumers.info('LIMITED', 'reader');
    assert.equal(c.config.max_ack_pending, 100);
    const again = await planAndApply([...seed(), ...limited]);
    assert.deepEqual(again.plan.changes.filter((x) => x.action !== 'noop').map((x) => `${x.key} ${JSON.stringify(x.fields)}`), []);
    assert.equal(again.result.writes, 0);
  });
});
