/**
 * nats-server 2.14's durable sourcing against a real server: a stream sources and a stream mirrors
 * through a consumer with ackPolicy flow_control on the origin, and allowBatched. Apply succeeds,
 * the next plan is a no-op, and the messages arrive. Older servers plan these as unsupported.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { applyPlan } from '../../src/apply/apply.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments, type Resource } from '../../src/manifests/validate.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { plan, summarize } from '../../src/plan/plan.js';
import { compareVersions } from '../../src/resources/kind.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { eventually } from '../helpers/monitor.js';
import { startTestCluster } from '../helpers/servers.js';

const MANIFESTS = `
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: origin }
spec: { name: ORIGIN, subjects: [origin.>], storage: file, retention: interest }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Consumer
metadata: { name: to-copy }
spec: { streamName: ORIGIN, durableName: to-copy, deliverSubject: deliver.copy, ackPolicy: flow_control }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Consumer
metadata: { name: to-mirror }
spec: { streamName: ORIGIN, durableName: to-mirror, deliverSubject: deliver.mirror, ackPolicy: flow_control, maxAckPending: 100 }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: copy }
spec:
  name: COPY
  storage: file
  allowBatched: true
  sources: [{ name: ORIGIN, consumer: { name: to-copy, deliverSubject: deliver.copy } }]
---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: mirror }
spec:
  name: MIRROR
  storage: file
  mirror: { name: ORIGIN, consumer: { name: to-mirror, deliverSubject: deliver.mirror } }
`;

function resources(): Resource[] {
  const r = validateDocuments(parseManifests(MANIFESTS, 'durable-sourcing.yaml'));
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  return r.resources;
}

describe('durable sourcing and allowBatched against a real server', () => {
  let cluster: LocalCluster;
  let admin: JetStreamAdmin;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const owner = 'test';
  const supported = () => compareVersions(admin.serverVersion, '2.14.0') >= 0;

  before(async () => {
    cluster = await startTestCluster(1);
    admin = await JetStreamAdmin.connect({ servers: cluster.urls as string[] });
    nc = await connect({ servers: cluster.urls as string[] });
    jsm = await jetstreamManager(nc);
  });

  after(async () => {
    await admin?.close();
    await nc?.close();
    await cluster?.stop({ purge: true });
  });

  test('before nats-server 2.14 the plan names each new field as unsupported', async (t) => {
    if (supported()) return t.skip(`nats-server ${admin.serverVersion} has them`);
    const p = plan(resources(), await admin.readLive(), { owner, prune: false });
    assert.deepEqual(p.changes.filter((c) => c.action === 'unsupported').map((c) => c.key).sort(), [
      'Consumer/ORIGIN/to-copy', 'Consumer/ORIGIN/to-mirror', 'Stream/COPY', 'Stream/MIRROR',
    ]);
  });

  test('apply creates them, the server keeps them, and the next plan is a no-op', async (t) => {
    if (!supported()) return t.skip(`nats-server ${admin.serverVersion} predates 2.14`);
    const first = plan(resources(), await admin.readLive(), { owner, prune: false });
    assert.equal(summarize(first).create, 5);
    const result = await applyPlan(first, admin, { allowReplace: false });
    assert.equal(result.ok, true, JSON.stringify(result.items.filter((i) => !i.ok).map((i) => i.error?.format())));

    const copy = await jsm.streams.info('COPY');
    const cfg = copy.config as unknown as Record<string, unknown>;
    assert.equal(cfg.allow_batched, true);
    assert.deepEqual((cfg.sources as { consumer?: unknown }[])[0].consumer, { name: 'to-copy', deliver_subject: 'deliver.copy' });
    const fc = await jsm.consumers.info('ORIGIN', 'to-copy');
    assert.equal(fc.config.ack_policy as string, 'flow_control');
    assert.equal(fc.config.flow_control, true);

    const second = plan(resources(), await admin.readLive(), { owner, prune: false });
    assert.deepEqual(second.changes.filter((c) => c.action !== 'noop').map((c) => [c.key, c.action, c.fields]), []);
  });

  test('messages published to the origin reach the sourced and the mirrored stream', async (t) => {
    if (!supported()) return t.skip(`nats-server ${admin.serverVersion} predates 2.14`);
    const js = jetstream(nc);
    for (let i = 0; i < 3; i++) await js.publish(`origin.${i}`, `m${i}`);
    for (const name of ['COPY', 'MIRROR']) {
      await eventually(`${name} holds 3 messages`, async () => ((await jsm.streams.info(name)).state.messages === 3 ? true : undefined));
    }
  });
});
