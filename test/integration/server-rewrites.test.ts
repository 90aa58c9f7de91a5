/**
 * Values the server rewrites, against a real nats-server: it reads a limit of 0 as "unlimited" or
 * "its default" and stores something else (-1, 2m, nothing), and sealing a stream rewrites its
 * limits. Apply must accept what the server stored, and the next plan must be a no-op. Assertions
 * read what the server reports.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/apply/apply.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments, type Resource } from '../../src/manifests/validate.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { plan, summarize } from '../../src/plan/plan.js';
import { compareVersions } from '../../src/resources/kind.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { startTestCluster } from '../helpers/servers.js';

function resourcesFrom(text: string): Resource[] {
  const r = validateDocuments(parseManifests(text, 'server-rewrites.yaml'));
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  return r.resources;
}

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: jetstream.nats.io/v1beta2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

/** Every limit a manifest can set to 0, on every kind. */
function zeroManifests(withLimits: boolean): string {
  const limits = withLimits ? '  consumerLimits:\n    inactiveThreshold: "0"\n    maxAckPending: 0\n' : '';
  return [
    doc('Stream', 'zeros', `  name: ZEROS\n  subjects: [zeros.>]\n  storage: file\n  maxBytes: 0\n  maxMsgs: 0\n  maxConsumers: 0\n  maxMsgSize: 0\n  maxMsgsPerSubject: 0\n  duplicateWindow: "0"\n  maxAge: "0"\n  firstSequence: 0\n${limits}`),
    doc('Stream', 'zero-window', '  name: ZERO_WINDOW\n  subjects: [window.>]\n  storage: memory\n  maxAge: 90s\n  duplicateWindow: "0"\n'),
    doc('Consumer', 'zero-pull', '  streamName: ZEROS\n  durableName: zero-pull\n  ackPolicy: explicit\n  ackWait: "0"\n  maxDeliver: 0\n  maxAckPending: 0\n  maxWaiting: 0\n  inactiveThreshold: "0"\n  maxRequestBatch: 0\n  maxRequestExpires: "0"\n  maxRequestMaxBytes: 0\n  replicas: 0\n'),
    doc('Consumer', 'zero-push', '  streamName: ZEROS\n  durableName: zero-push\n  deliverSubject: deliver.zero\n  ackPolicy: none\n  ackWait: "0"\n  maxDeliver: 0\n  maxAckPending: 0\n  rateLimitBps: 0\n  heartbeatInterval: "0"\n  sampleFreq: "0"\n'),
    doc('KeyValue', 'zero-kv', '  bucket: zeros\n  maxBytes: 0\n  maxValueSize: 0\n  history: 0\n  ttl: "0"\n  limitMarkerTtl: 0\n  replicas: 1\n'),
    doc('ObjectStore', 'zero-obj', '  bucket: zeros\n  maxBytes: 0\n  ttl: "0"\n'),
  ].join('\n---\n');
}

describe('values the server rewrites, against a real server', () => {
  let cluster: LocalCluster;
  let admin: JetStreamAdmin;
  const owner = 'test';

  before(async () => {
    cluster = await startTestCluster(1);
    admin = await JetStreamAdmin.connect({ servers: cluster.urls as string[] });
  });

  after(async () => {
    await admin?.close();
    await cluster?.stop({ purge: true });
  });

  test('apply with every limit at 0 succeeds and the next plan is a no-op', async () => {
    // consumer_limits came in 2.10; older servers plan it as unsupported
    const resources = resourcesFrom(zeroManifests(compareVersions(admin.serverVersion, '2.10.0') >= 0));
    const first = plan(resources, await admin.readLive(), { owner, prune: false });
    assert.equal(summarize(first).create, resources.length);
    const result = await applyPlan(first, admin, { allowReplace: false });
    assert.equal(result.ok, true, JSON.stringify(result.items.filter((i) => !i.ok).map((i) => i.error?.format())));

    const second = plan(resources, await admin.readLive(), { owner, prune: false });
    const changed = second.changes.filter((c) => c.action !== 'noop');
    assert.deepEqual(changed.map((c) => ({ key: c.key, action: c.action, fields: c.fields })), []);
  });

  test('sealing an applied stream succeeds and the next plan is a no-op (the server rewrites its limits)', async () => {
    const spec = '  name: SEALED\n  subjects: [sealed.>]\n  storage: file\n  maxAge: 30s\n  allowRollup: true\n';
    const open = resourcesFrom(doc('Stream', 'sealed', spec));
    const created = await applyPlan(plan(open, await admin.readLive(), { owner, prune: false }), admin, { allowReplace: false });
    assert.equal(created.ok, true, JSON.stringify(created.items.filter((i) => !i.ok).map((i) => i.error?.format())));
    const sealed = resourcesFrom(doc('Stream', 'sealed', spec.replace('  allowRollup: true\n', '') + '  sealed: true\n'));
    const p = plan(sealed, await admin.readLive(), { owner, prune: false });
    assert.equal(p.changes[0].action, 'update', JSON.stringify(p.changes[0].fields));
    const result = await applyPlan(p, admin, { allowReplace: false });
    assert.equal(result.ok, true, JSON.stringify(result.items.filter((i) => !i.ok).map((i) => i.error?.format())));
    const live = (await admin.readLive()).streams.find((s) => s.config.name === 'SEALED')!.config;
    assert.equal(live.sealed, true);
    assert.equal(live.max_age, 0, 'the server drops the age limit of a sealed stream');
    const again = plan(sealed, await admin.readLive(), { owner, prune: false });
    assert.deepEqual(again.changes.map((c) => [c.action, c.fields]), [['noop', []]]);
  });

  test('delete markers and message schedules apply without allowRollup (the server turns roll-ups on) and plan as a no-op', async (t) => {
    if (compareVersions(admin.serverVersion, '2.12.0') < 0) return t.skip(`nats-server ${admin.serverVersion} has no message schedules`);
    const resources = resourcesFrom([
      doc('Stream', 'markers', '  name: MARKERS\n  subjects: [markers.>]\n  storage: file\n  allowMsgTtl: true\n  subjectDeleteMarkerTtl: 5s\n'),
      doc('Stream', 'schedules', '  name: SCHEDULES\n  subjects: [schedules.>]\n  storage: file\n  allowMsgSchedules: true\n'),
    ].join('\n---\n'));
    const result = await applyPlan(plan(resources, await admin.readLive(), { owner, prune: false }), admin, { allowReplace: false });
    assert.equal(result.ok, true, JSON.stringify(result.items.filter((i) => !i.ok).map((i) => i.error?.format())));
    const live = await admin.readLive();
    for (const name of ['MARKERS', 'SCHEDULES']) assert.equal(live.streams.find((s) => s.config.name === name)!.config.allow_rollup_hdrs, true, name);
    const again = plan(resources, live, { owner, prune: false });
    assert.deepEqual(again.changes.map((c) => [c.key, c.action, c.fields]), [['Stream/MARKERS', 'noop', []], ['Stream/SCHEDULES', 'noop', []]]);
  });

  test('the server stored 0 as unlimited and its default duplicate window', async () => {
    const live = await admin.readLive();
    const zeros = live.streams.find((s) => s.config.name === 'ZEROS')!.config;
    for (const f of ['max_bytes', 'max_msgs', 'max_consumers', 'max_msg_size', 'max_msgs_per_subject']) {
      assert.equal(zeros[f], -1, f);
    }
    assert.equal(zeros.duplicate_window, 120_000_000_000);
    const window = live.streams.find((s) => s.config.name === 'ZERO_WINDOW')!.config;
    assert.equal(window.duplicate_window, 90_000_000_000);
  });
});
