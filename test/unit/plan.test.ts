import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../../src/manifests/load.js';
import { resourceKey, validateDocuments, type Resource } from '../../src/manifests/validate.js';
import {
  defaultPruneLimit, hasChanges, plan, summarize, type Action, type Change, type LiveState, type Plan,
} from '../../src/plan/plan.js';
import { checkAllowed } from '../../src/apply/apply.js';
import { JkError } from '../../src/errors.js';
import { planToJson, renderPlanText } from '../../src/plan/render.js';
import { resourceStatuses, type LiveHealth } from '../../src/plan/status.js';
import { kindByName } from '../../src/resources/index.js';
import type { ApiConfig } from '../../src/resources/kind.js';

const S = 1_000_000_000;
const H = 3600 * S;
const OWNER = 'default';
const NATS_MD = { '_nats.level': '5', '_nats.req.level': '0', '_nats.ver': '2.15.2' };

/** A stream exactly as nats-server 2.15.2 returns it for `{name: P, subjects: [p.>]}` created by jetkeeper. */
const SERVER_P: ApiConfig = {
  name: 'P', subjects: ['p.>'], retention: 'limits', max_consumers: -1, max_msgs: -1, max_bytes: -1, max_age: 0,
  max_msgs_per_subject: -1, max_msg_size: -1, discard: 'old', storage: 'file', num_replicas: 1,
  duplicate_window: 120000000000, compression: 'none', allow_direct: false, mirror_direct: false, sealed: false,
  deny_delete: false, deny_purge: false, allow_rollup_hdrs: false, consumer_limits: {}, allow_msg_ttl: false,
  metadata: { '_nats.level': '5', '_nats.req.level': '0', '_nats.ver': '2.15.2', 'jetkeeper.io/owner': 'default' },
};

/** What 2.15.2 adds to every stream config (SERVER_P without identity and metadata). */
const SERVER_STREAM_DEFAULTS: ApiConfig = (() => {
  const { name: _n, subjects: _s, metadata: _m, ...rest } = SERVER_P;
  return rest;
})();

/** What 2.9.10 adds: no compression, consumer_limits, allow_msg_ttl or metadata yet. */
const SERVER_2_9_STREAM_DEFAULTS: ApiConfig = (() => {
  const { compression: _c, consumer_limits: _l, allow_msg_ttl: _t, ...rest } = SERVER_STREAM_DEFAULTS;
  return rest;
})();

function declare(kind: 'Stream' | 'Consumer', spec: Record<string, unknown>, name?: string): Resource {
  const k = kindByName(kind)!;
  const parsed = k.schema.parse(spec);
  const target = k.target(parsed);
  const n = name ?? String(spec.name ?? spec.durableName).toLowerCase();
  return { kind, name: n, spec: parsed, key: resourceKey(kind, n, target), target };
}

interface LiveOpts {
  /** owner tag on the server; null for none */
  owner?: string | null;
  /** more metadata keys as the server holds them */
  metadata?: Record<string, string>;
  /** fields that differ from what toApi gives (the server was changed behind jetkeeper's back) */
  override?: ApiConfig;
}

function serverMetadata(o: LiveOpts, base: Record<string, string> | undefined): Record<string, string> {
  const owner = o.owner === undefined ? OWNER : o.owner;
  return { ...NATS_MD, ...(base ?? {}), ...(owner === null ? {} : { 'jetkeeper.io/owner': owner }), ...(o.metadata ?? {}) };
}

/** toApi of the spec plus what nats-server 2.15.2 adds to it. */
function serverStream(spec: Record<string, unknown>, o: LiveOpts = {}): ApiConfig {
  const api = kindByName('Stream')!.toApi(kindByName('Stream')!.schema.parse(spec));
  return { ...SERVER_STREAM_DEFAULTS, ...api, metadata: serverMetadata(o, api.metadata as Record<string, string>), ...(o.override ?? {}) };
}

/** toApi of the spec plus what nats-server 2.15.2 adds (ack_wait/max_ack_pending when acking, max_waiting when pulling). */
function serverConsumer(spec: Record<string, unknown>, o: LiveOpts = {}): ApiConfig {
  const api = kindByName('Consumer')!.toApi(kindByName('Consumer')!.schema.parse(spec));
  const acks = api.ack_policy !== 'none';
  const pull = api.deliver_subject === undefined;
  return {
    deliver_policy: 'all', max_deliver: -1, replay_policy: 'instant', num_replicas: 0,
    ...(acks ? { ack_wait: 30 * S, max_ack_pending: 1000 } : {}),
    ...(pull ? { max_waiting: 512 } : {}),
    ...api,
    metadata: serverMetadata(o, api.metadata as Record<string, string>),
    ...(o.override ?? {}),
  };
}

const liveOf = (
  streams: LiveState['streams'],
  consumers: LiveState['consumers'] = [],
  serverVersion = '2.15.2',
): LiveState => ({ serverVersion, streams, consumers });

const NOTHING = liveOf([]);
const planOf = (desired: Resource[], live: LiveState, prune = false): Plan => plan(desired, live, { owner: OWNER, prune });
const actions = (p: Plan) => p.changes.map((c) => [c.action, c.key]);
const only = (p: Plan): Change => {
  assert.equal(p.changes.length, 1, JSON.stringify(actions(p)));
  return p.changes[0];
};

const P_SPEC = { name: 'P', subjects: ['p.>'], storage: 'file', maxAge: '0s' };
const ORDERS = { name: 'ORDERS', subjects: ['orders.>'], storage: 'file', maxAge: '24h' };
const C1 = { streamName: 'ORDERS', durableName: 'c1', ackPolicy: 'explicit', filterSubject: 'orders.created', maxDeliver: 5 };
const C2 = { streamName: 'ORDERS', durableName: 'c2', ackPolicy: 'explicit' };

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
function seed(file: string): Resource[] {
  const r = validateDocuments(parseManifests(readFileSync(FIXTURES + file, 'utf8'), file));
  assert.deepEqual(r.errors, []);
  return r.resources;
}

describe('plan: create', () => {
  test('plan creates a stream that does not exist, tagged with the owner', () => {
    const c = only(planOf([declare('Stream', ORDERS)], NOTHING));
    assert.equal(c.action, 'create');
    assert.equal(c.key, 'Stream/ORDERS');
    assert.equal(c.name, 'orders');
    assert.deepEqual(c.target, { type: 'stream', stream: 'ORDERS' });
    assert.deepEqual(c.fields, [
      { apiField: 'subjects', field: 'subjects', to: ['orders.>'] },
      { apiField: 'max_age', field: 'maxAge', to: 24 * H },
    ]);
    assert.deepEqual(c.desired, {
      name: 'ORDERS', subjects: ['orders.>'], retention: 'limits', max_consumers: -1, max_msgs: -1, max_bytes: -1,
      max_age: 24 * H, max_msgs_per_subject: -1, max_msg_size: -1, discard: 'old', storage: 'file', num_replicas: 1,
      metadata: { 'jetkeeper.io/owner': 'default' },
    });
    assert.equal(c.live, undefined);
  });

  test('plan creates a consumer whose stream exists but it does not', () => {
    const p = planOf([declare('Stream', ORDERS), declare('Consumer', C1)], liveOf([{ config: serverStream(ORDERS) }]));
    assert.deepEqual(actions(p), [['noop', 'Stream/ORDERS'], ['create', 'Consumer/ORDERS/c1']]);
    assert.deepEqual(p.changes[1].desired, {
      durable_name: 'c1', name: 'c1', deliver_policy: 'all', ack_policy: 'explicit', max_deliver: 5,
      filter_subject: 'orders.created', replay_policy: 'instant', metadata: { 'jetkeeper.io/owner': 'default' },
    });
  });

  test('plan writes the prevent-delete tag when the spec has preventDelete', () => {
    const c = only(planOf([declare('Stream', { ...ORDERS, preventDelete: true })], NOTHING));
    assert.deepEqual(c.desired?.metadata, { 'jetkeeper.io/owner': 'default', 'jetkeeper.io/prevent-delete': 'true' });
  });

  test('plan orders streams before consumers whatever the declaration order', () => {
    const p = planOf([declare('Consumer', C1), declare('Stream', ORDERS), declare('Consumer', C2)], NOTHING);
    assert.deepEqual(actions(p), [['create', 'Stream/ORDERS'], ['create', 'Consumer/ORDERS/c1'], ['create', 'Consumer/ORDERS/c2']]);
  });
});

describe('plan: noop', () => {
  test('plan is noop for the stream exactly as nats-server 2.15.2 returns it', () => {
    const c = only(planOf([declare('Stream', P_SPEC)], liveOf([{ config: SERVER_P }])));
    assert.equal(c.action, 'noop');
    assert.deepEqual(c.fields, []);
    assert.equal(c.desired, undefined);
    assert.equal(c.live, SERVER_P);
  });

  const noops: { what: string; spec: Record<string, unknown>; o?: LiveOpts }[] = [
    { what: 'a stream with limits', spec: { ...ORDERS, maxBytes: 1073741824, replicas: 3, discard: 'new' } },
    { what: 'a stream with user metadata beside the server\'s', spec: { ...ORDERS, metadata: { team: 'shop' } } },
    { what: 'a stream whose owner tag names another owner', spec: ORDERS, o: { owner: 'someone-else' } },
    { what: 'a stream without an owner tag', spec: ORDERS, o: { owner: null } },
    { what: 'a stream with NACK\'s one-year default maxAge', spec: { name: 'Y', subjects: ['y'] } },
    { what: 'a stream with a short maxAge (duplicate window follows it)', spec: { ...ORDERS, maxAge: '30s' }, o: { override: { duplicate_window: 30 * S } } },
    {
      what: 'a sealed stream (the server drops its age limit, discards new and denies deletes, purges and rollups)',
      spec: { ...ORDERS, sealed: true, allowRollup: false },
      o: { override: { max_age: 0, discard: 'new', deny_delete: true, deny_purge: true, duplicate_window: 120 * S } },
    },
    {
      what: 'a stream with every limit at 0 (the server stores -1, its default window, no consumer limits)',
      spec: { ...ORDERS, maxBytes: 0, maxMsgs: 0, maxConsumers: 0, maxMsgSize: 0, duplicateWindow: '0', consumerLimits: { inactiveThreshold: '0', maxAckPending: 0 } },
      o: { override: { max_bytes: -1, max_msgs: -1, max_consumers: -1, max_msg_size: -1, duplicate_window: 120 * S, consumer_limits: {} } },
    },
  ];
  for (const { what, spec, o } of noops) {
    test(`plan is noop for ${what} plus server-added defaults and _nats.* metadata`, () => {
      const c = only(planOf([declare('Stream', spec)], liveOf([{ config: serverStream(spec, o) }])));
      assert.equal(c.action, 'noop', JSON.stringify(c.fields));
    });
  }

  test('plan is noop for consumers plus server-added defaults', () => {
    const push = { streamName: 'ORDERS', durableName: 'push', deliverSubject: 'deliver.push', ackPolicy: 'none' };
    const backoff = { streamName: 'ORDERS', durableName: 'bo', ackPolicy: 'explicit', backoff: ['1s', '5s'], maxDeliver: 3 };
    const p = planOf(
      [declare('Stream', ORDERS), declare('Consumer', C1), declare('Consumer', push), declare('Consumer', backoff)],
      liveOf([{ config: serverStream(ORDERS) }], [
        { stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) },
        { stream: 'ORDERS', name: 'push', config: serverConsumer(push) },
        { stream: 'ORDERS', name: 'bo', config: serverConsumer(backoff) },
      ]),
    );
    assert.deepEqual(actions(p), [
      ['noop', 'Stream/ORDERS'], ['noop', 'Consumer/ORDERS/c1'], ['noop', 'Consumer/ORDERS/push'], ['noop', 'Consumer/ORDERS/bo'],
    ]);
  });

  test('plan is noop for the whole seed order pipeline once it is applied', () => {
    const desired = seed('order-pipeline.yaml');
    const live = liveOf(
      desired.filter((r) => r.kind === 'Stream').map((r) => ({ config: serverStream(r.doc!.data.spec as Record<string, unknown>) })),
      desired.filter((r) => r.kind === 'Consumer').map((r) => {
        const t = r.target as { stream: string; consumer: string };
        return { stream: t.stream, name: t.consumer, config: serverConsumer(r.doc!.data.spec as Record<string, unknown>) };
      }),
    );
    const p = planOf(desired, live, true);
    assert.deepEqual(actions(p), [
      ['noop', 'Stream/ORDERS'], ['noop', 'Stream/PDF_TASKS'], ['noop', 'Consumer/ORDERS/fulfillment-created'],
      ['noop', 'Consumer/ORDERS/analytics-created'], ['noop', 'Consumer/PDF_TASKS/pdf-workers'],
    ]);
    assert.equal(hasChanges(p), false);
  });
});

describe('plan: update and replace', () => {
  test('plan updates maxAge 24h -> 48h in place and lists the field with from/to', () => {
    const live = serverStream(ORDERS);
    const c = only(planOf([declare('Stream', { ...ORDERS, maxAge: '48h' })], liveOf([{ config: live }])));
    assert.equal(c.action, 'update');
    assert.deepEqual(c.fields, [{ apiField: 'max_age', field: 'maxAge', from: 24 * H, to: 48 * H, immutable: undefined }]);
    assert.equal(c.reason, undefined);
    assert.equal(c.dataLoss, undefined);
    assert.equal(c.desired?.max_age, 48 * H);
    assert.deepEqual(c.desired?.metadata, { 'jetkeeper.io/owner': 'default' });
    assert.equal(c.live, live);
  });

  test('plan lists every changed field of an update, and clears fields the manifest no longer has', () => {
    const live = serverStream({ ...ORDERS, description: 'old', maxBytes: 1000 });
    const c = only(planOf([declare('Stream', { ...ORDERS, subjects: ['orders.>', 'refunds.>'], maxBytes: 2000 })], liveOf([{ config: live }])));
    assert.equal(c.action, 'update');
    assert.deepEqual(
      c.fields.map((f) => [f.field, f.from, f.to]),
      [['maxBytes', 1000, 2000], ['subjects', ['orders.>'], ['orders.>', 'refunds.>']], ['description', 'old', undefined]],
    );
    assert.ok('description' in c.desired!, 'the update payload names description so the server drops it');
    assert.equal(c.desired!.description, undefined);
  });

  test('plan marks storage change as replace with the reason and the data lost', () => {
    const p = planOf(
      [declare('Stream', { ...ORDERS, storage: 'memory' })],
      liveOf([{ config: serverStream(ORDERS), state: { messages: 42, bytes: 4200 } }], [
        { stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) },
        { stream: 'ORDERS', name: 'c2', config: serverConsumer(C2) },
        { stream: 'OTHER', name: 'c3', config: serverConsumer({ ...C2, streamName: 'OTHER', durableName: 'c3' }) },
      ]),
    );
    const c = only(p);
    assert.equal(c.action, 'replace');
    assert.deepEqual(c.fields, [
      { apiField: 'storage', field: 'storage', from: 'file', to: 'memory', immutable: 'the server cannot change the storage type of a stream' },
    ]);
    assert.equal(c.reason, 'storage: the server cannot change the storage type of a stream');
    assert.equal(c.dataLoss, 'deletes stream ORDERS and its 42 messages (4200 bytes), and consumers c1, c2 with their delivery state; recreates it empty');
    assert.equal(c.desired?.storage, 'memory');
  });

  test('plan names only the stream in dataLoss when the state is unknown and it has no consumers', () => {
    const c = only(planOf([declare('Stream', { ...ORDERS, storage: 'memory' })], liveOf([{ config: serverStream(ORDERS) }])));
    assert.equal(c.dataLoss, 'deletes stream ORDERS; recreates it empty');
  });

  const retention: { from: string; to: string; action: Action; immutable?: string }[] = [
    { from: 'limits', to: 'interest', action: 'update' },
    { from: 'interest', to: 'limits', action: 'update' },
    { from: 'limits', to: 'workqueue', action: 'replace', immutable: 'the server cannot change retention to or from workqueue' },
    { from: 'workqueue', to: 'limits', action: 'replace', immutable: 'the server cannot change retention to or from workqueue' },
    { from: 'workqueue', to: 'interest', action: 'replace', immutable: 'the server cannot change retention to or from workqueue' },
  ];
  for (const { from, to, action, immutable } of retention) {
    test(`plan marks retention ${from} -> ${to} as ${action}`, () => {
      const c = only(planOf([declare('Stream', { ...ORDERS, retention: to })], liveOf([{ config: serverStream({ ...ORDERS, retention: from }) }])));
      assert.equal(c.action, action);
      assert.deepEqual(c.fields, [{ apiField: 'retention', field: 'retention', from, to, immutable }]);
    });
  }

  const flags: { field: string; from: boolean; to: boolean; action: Action }[] = [
    { field: 'denyDelete', from: false, to: true, action: 'update' },
    { field: 'denyDelete', from: true, to: false, action: 'replace' },
    { field: 'sealed', from: true, to: false, action: 'replace' },
  ];
  for (const { field, from, to, action } of flags) {
    test(`plan marks ${field} ${from} -> ${to} as ${action}`, () => {
      const c = only(planOf([declare('Stream', { ...ORDERS, [field]: to })], liveOf([{ config: serverStream({ ...ORDERS, [field]: from }) }])));
      assert.equal(c.action, action);
    });
  }

  test('plan marks a consumer ack policy change as replace with the consumer\'s data loss', () => {
    const p = planOf(
      [declare('Stream', ORDERS), declare('Consumer', { ...C1, ackPolicy: 'all' })],
      liveOf([{ config: serverStream(ORDERS) }], [{ stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) }]),
    );
    assert.deepEqual(actions(p), [['noop', 'Stream/ORDERS'], ['replace', 'Consumer/ORDERS/c1']]);
    const c = p.changes[1];
    assert.deepEqual(c.fields, [
      { apiField: 'ack_policy', field: 'ackPolicy', from: 'explicit', to: 'all', immutable: 'the server cannot change the ack policy of a consumer' },
    ]);
    assert.equal(c.reason, 'ackPolicy: the server cannot change the ack policy of a consumer');
    assert.equal(c.dataLoss, 'deletes consumer c1 and its delivery state (acks, pending, redeliveries); recreates it from the start of its deliver policy');
  });

  test('plan updates a consumer field the server can change in place', () => {
    const p = planOf(
      [declare('Stream', ORDERS), declare('Consumer', { ...C1, maxDeliver: 10 })],
      liveOf([{ config: serverStream(ORDERS) }], [{ stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) }]),
    );
    const c = p.changes[1];
    assert.equal(c.action, 'update');
    assert.deepEqual(c.fields, [{ apiField: 'max_deliver', field: 'maxDeliver', from: 5, to: 10, immutable: undefined }]);
  });

  test('plan does not update pauseUntil in place: the server keeps the stored value on update', () => {
    const p = planOf(
      [declare('Stream', ORDERS), declare('Consumer', { ...C1, pauseUntil: '2030-01-01T00:00:00Z' })],
      liveOf([{ config: serverStream(ORDERS) }], [{ stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) }]),
    );
    const c = p.changes[1];
    assert.equal(c.action, 'replace');
    assert.match(c.fields[0].immutable ?? '', /pauseUntil/);
  });

  test('plan updates maxConsumers and firstSequence in place (nats-server 2.15.2 changes them)', () => {
    const live = serverStream(ORDERS);
    const c = only(planOf([declare('Stream', { ...ORDERS, maxConsumers: 10, firstSequence: 100 })], liveOf([{ config: live }])));
    assert.equal(c.action, 'update');
    assert.deepEqual(c.fields.map((f) => [f.apiField, f.immutable]), [['max_consumers', undefined], ['first_seq', undefined]]);
  });

  test('plan creates the declared consumers of a stream it replaces', () => {
    const p = planOf(
      [declare('Stream', { ...ORDERS, storage: 'memory' }), declare('Consumer', C1), declare('Consumer', C2)],
      liveOf([{ config: serverStream(ORDERS) }], [
        { stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) },
        { stream: 'ORDERS', name: 'c2', config: serverConsumer(C2) },
      ]),
    );
    assert.deepEqual(actions(p), [['replace', 'Stream/ORDERS'], ['create', 'Consumer/ORDERS/c1'], ['create', 'Consumer/ORDERS/c2']]);
    assert.equal(p.changes[1].live, undefined);
    assert.equal(p.changes[1].desired?.durable_name, 'c1');
  });
});

describe('plan: server version', () => {
  test('plan refuses metadata and compression on nats-server 2.9.10, naming the version that adds them', () => {
    const c = only(planOf([declare('Stream', { ...ORDERS, compression: 's2', metadata: { team: 'shop' } })], liveOf([], [], '2.9.10')));
    assert.equal(c.action, 'unsupported');
    assert.deepEqual(c.fields, [
      { apiField: 'metadata', field: 'metadata', to: { team: 'shop' }, since: '2.10.0' },
      { apiField: 'compression', field: 'compression', to: 's2', since: '2.10.0' },
    ]);
    assert.equal(c.reason, 'metadata needs nats-server 2.10.0; compression needs nats-server 2.10.0 (connected: 2.9.10)');
  });

  test('plan refuses consumer metadata on nats-server 2.9.10', () => {
    const c = only(planOf([declare('Consumer', { ...C1, metadata: { team: 'shop' } })], liveOf([], [], '2.9.10')));
    assert.equal(c.action, 'unsupported');
    assert.deepEqual(c.fields, [{ apiField: 'metadata', field: 'metadata', to: { team: 'shop' }, since: '2.10.0' }]);
  });

  test('plan does not add the owner metadata on nats-server 2.9.10', () => {
    const p = planOf([declare('Stream', ORDERS), declare('Consumer', C1)], liveOf([], [], '2.9.10'));
    assert.deepEqual(actions(p), [['create', 'Stream/ORDERS'], ['create', 'Consumer/ORDERS/c1']]);
    for (const c of p.changes) assert.equal('metadata' in c.desired!, false, `${c.key} desired has no metadata`);
  });

  test('plan is noop on nats-server 2.9.10 for a stream as 2.9.10 returns it', () => {
    const api = kindByName('Stream')!.toApi(kindByName('Stream')!.schema.parse(ORDERS));
    const c = only(planOf([declare('Stream', ORDERS)], liveOf([{ config: { ...SERVER_2_9_STREAM_DEFAULTS, ...api } }], [], '2.9.10')));
    assert.equal(c.action, 'noop', JSON.stringify(c.fields));
  });

  test('plan refuses allowBatched, sourcing through a consumer and ackPolicy flow_control before nats-server 2.14', () => {
    const through = { name: 'ORIGIN', consumer: { name: 'src', deliverSubject: 'deliver.src' } };
    const p = planOf([
      declare('Stream', { ...ORDERS, allowBatched: true, sources: [through] }),
      declare('Stream', { name: 'COPY', storage: 'file', mirror: through }),
      declare('Consumer', { streamName: 'ORDERS', durableName: 'fc', deliverSubject: 'deliver.fc', ackPolicy: 'flow_control' }),
    ], liveOf([], [], '2.12.0'));
    assert.deepEqual(p.changes.map((c) => [c.key, c.action, c.fields.map((f) => `${f.field}@${f.since}`)]), [
      ['Stream/ORDERS', 'unsupported', ['allowBatched@2.14.0', 'sources[].consumer@2.14.0']],
      ['Stream/COPY', 'unsupported', ['mirror.consumer@2.14.0']],
      ['Consumer/ORDERS/fc', 'unsupported', ['ackPolicy: flow_control@2.14.0']],
    ]);
  });

  test('plan creates sources without a consumer and other ack policies on nats-server 2.12', () => {
    const p = planOf([
      declare('Stream', { ...ORDERS, sources: [{ name: 'ORIGIN' }] }),
      declare('Consumer', C1),
    ], liveOf([], [], '2.12.0'));
    assert.deepEqual(actions(p), [['create', 'Stream/ORDERS'], ['create', 'Consumer/ORDERS/c1']]);
  });

  test('plan adds the owner metadata from nats-server 2.10.0 on', () => {
    const c = only(planOf([declare('Stream', ORDERS)], liveOf([], [], '2.10.0')));
    assert.deepEqual(c.desired?.metadata, { 'jetkeeper.io/owner': 'default' });
  });
});

describe('plan: skip', () => {
  test('plan skips a drifted resource with preventUpdate, keeping the fields it would change', () => {
    const c = only(planOf([declare('Stream', { ...ORDERS, maxAge: '48h', preventUpdate: true })], liveOf([{ config: serverStream(ORDERS) }])));
    assert.equal(c.action, 'skip');
    assert.equal(c.reason, 'preventUpdate: true');
    assert.deepEqual(c.fields.map((f) => [f.field, f.from, f.to]), [['maxAge', 24 * H, 48 * H]]);
  });

  test('plan skips a would-be replace with preventUpdate instead of replacing', () => {
    const c = only(planOf([declare('Stream', { ...ORDERS, storage: 'memory', preventUpdate: true })], liveOf([{ config: serverStream(ORDERS) }])));
    assert.equal(c.action, 'skip');
    assert.equal(c.dataLoss, undefined);
  });

  test('plan is noop, not skip, for an unchanged resource with preventUpdate', () => {
    const c = only(planOf([declare('Stream', { ...ORDERS, preventUpdate: true })], liveOf([{ config: serverStream(ORDERS) }])));
    assert.equal(c.action, 'noop');
  });

  test('plan skips a resource the server marks jetkeeper.io/managed: "false", even when it differs', () => {
    const live = serverStream(ORDERS, { metadata: { 'jetkeeper.io/managed': 'false' } });
    const c = only(planOf([declare('Stream', { ...ORDERS, storage: 'memory' })], liveOf([{ config: live }])));
    assert.equal(c.action, 'skip');
    assert.deepEqual(c.fields, []);
    assert.equal(c.reason, 'jetkeeper.io/managed: "false" on the server: jetkeeper lets go of it');
    assert.equal(c.desired, undefined);
  });

  test('plan manages a resource marked jetkeeper.io/managed: "true" as usual', () => {
    const live = serverStream(ORDERS, { metadata: { 'jetkeeper.io/managed': 'true' } });
    const c = only(planOf([declare('Stream', { ...ORDERS, maxAge: '48h' })], liveOf([{ config: live }])));
    assert.equal(c.action, 'update');
  });
});

describe('plan: prune', () => {
  const live = liveOf(
    [
      { config: serverStream(ORDERS) },
      { config: serverStream({ name: 'OLD', subjects: ['old.>'] }), state: { messages: 7, bytes: 700 } },
      { config: serverStream({ name: 'FOREIGN', subjects: ['foreign.>'] }, { owner: 'team-b' }) },
      { config: serverStream({ name: 'UNTAGGED', subjects: ['untagged.>'] }, { owner: null }) },
      { config: serverStream({ name: 'KEEP', subjects: ['keep.>'] }, { metadata: { 'jetkeeper.io/prevent-delete': 'true' } }) },
    ],
    [
      { stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) },
      { stream: 'ORDERS', name: 'gone', config: serverConsumer({ ...C2, durableName: 'gone' }) },
      { stream: 'ORDERS', name: 'theirs', config: serverConsumer({ ...C2, durableName: 'theirs' }, { owner: 'team-b' }) },
      { stream: 'ORDERS', name: 'untagged', config: serverConsumer({ ...C2, durableName: 'untagged' }, { owner: null }) },
      { stream: 'ORDERS', name: 'kept', config: serverConsumer({ ...C2, durableName: 'kept' }, { metadata: { 'jetkeeper.io/prevent-delete': 'true' } }) },
      { stream: 'OLD', name: 'old-c', config: serverConsumer({ ...C2, streamName: 'OLD', durableName: 'old-c' }) },
    ],
  );
  const desired = [declare('Stream', ORDERS), declare('Consumer', C1)];

  test('plan without prune never deletes', () => {
    assert.deepEqual(actions(planOf(desired, live, false)), [['noop', 'Stream/ORDERS'], ['noop', 'Consumer/ORDERS/c1']]);
  });

  test('prune deletes only owned undeclared resources, skips prevent-delete ones and leaves unowned ones alone', () => {
    const p = planOf(desired, live, true);
    assert.deepEqual(actions(p), [
      ['noop', 'Stream/ORDERS'],
      ['noop', 'Consumer/ORDERS/c1'],
      ['delete', 'Stream/OLD'],
      ['skip', 'Stream/KEEP'],
      ['delete', 'Consumer/ORDERS/gone'],
      ['skip', 'Consumer/ORDERS/kept'],
    ]);
  });

  test('prune explains each delete and skip and names the data lost', () => {
    const p = planOf(desired, live, true);
    const byKey = new Map(p.changes.map((c) => [c.key, c]));
    const pick = (key: string) => {
      const c = byKey.get(key)!;
      return { action: c.action, target: c.target, reason: c.reason, dataLoss: c.dataLoss, name: c.name, fields: c.fields };
    };
    assert.deepEqual(pick('Stream/OLD'), {
      action: 'delete', target: { type: 'stream', stream: 'OLD' }, reason: 'no longer declared (prune)',
      dataLoss: 'deletes stream OLD and its 7 messages (700 bytes)', name: undefined, fields: [],
    });
    assert.deepEqual(pick('Stream/KEEP'), {
      action: 'skip', target: { type: 'stream', stream: 'KEEP' }, reason: 'preventDelete was set when jetkeeper applied it',
      dataLoss: undefined, name: undefined, fields: [],
    });
    assert.deepEqual(pick('Consumer/ORDERS/gone'), {
      action: 'delete', target: { type: 'consumer', stream: 'ORDERS', consumer: 'gone' }, reason: 'no longer declared (prune)',
      dataLoss: 'deletes consumer gone and its delivery state', name: undefined, fields: [],
    });
    assert.deepEqual(pick('Consumer/ORDERS/kept'), {
      action: 'skip', target: { type: 'consumer', stream: 'ORDERS', consumer: 'kept' }, reason: 'preventDelete was set when jetkeeper applied it',
      dataLoss: undefined, name: undefined, fields: [],
    });
  });

  test('prune does not list the consumers of a stream it deletes', () => {
    const keys = planOf(desired, live, true).changes.map((c) => c.key);
    assert.equal(keys.includes('Consumer/OLD/old-c'), false);
  });

  test('prune with another owner deletes only that owner\'s resources', () => {
    const p = plan(desired, live, { owner: 'team-b', prune: true });
    assert.deepEqual(actions(p), [
      ['noop', 'Stream/ORDERS'], ['noop', 'Consumer/ORDERS/c1'], ['delete', 'Stream/FOREIGN'], ['delete', 'Consumer/ORDERS/theirs'],
    ]);
  });

  test('prune with nothing declared lists the deletes but the guard refuses them', () => {
    const p = planOf([], live, true);
    assert.deepEqual(actions(p), [
      ['delete', 'Stream/ORDERS'], ['delete', 'Stream/OLD'], ['skip', 'Stream/KEEP'],
    ]);
    assert.equal(p.prune?.refused, 'nothing-declared');
    assert.match(renderPlanText(p), /PRUNE REFUSED: nothing is declared for this connection, so it would delete all 2 resource\(s\)/);
    assert.throws(() => checkAllowed(p, { allowReplace: true }), (e: unknown) => e instanceof JkError && e.code === 'JK3007' && /Nothing was applied/.test(e.message));
  });

  test('prune guard: the default limit is 25 % of the owned resources, at least 1 and at most 10', () => {
    assert.deepEqual([0, 1, 4, 7, 8, 39, 40, 41, 1000].map(defaultPruneLimit), [1, 1, 1, 1, 2, 9, 10, 10, 10]);
  });

  test('prune guard refuses more deletes than the limit, and an explicit limit lets them through', () => {
    const owned = { 'jetkeeper.io/owner': OWNER };
    const many: LiveState = {
      serverVersion: '2.15.2',
      streams: Array.from({ length: 12 }, (_, i) => ({ config: { name: `S${i}`, subjects: [`s${i}`], metadata: owned } })),
      consumers: [],
    };
    const keep = declare('Stream', { name: 'ORDERS', subjects: ['orders.>'] });
    const p = planOf([keep], many, true);
    assert.equal(summarize(p).delete, 12);
    assert.deepEqual({ ...p.prune }, { deletes: 12, owned: 12, declared: 1, limit: 3, explicit: false, refused: 'over-limit' });
    assert.throws(() => checkAllowed(p, { allowReplace: false }), (e: unknown) => e instanceof JkError && e.code === 'JK3008' && e.option === 'pruneMax' && e.fix?.includes('`pruneMax` 12') === true);
    const allowed = plan([keep], many, { owner: OWNER, prune: true, pruneMax: 12 });
    assert.equal(allowed.prune?.refused, undefined);
    assert.doesNotThrow(() => checkAllowed(allowed, { allowReplace: false }));
    assert.match(renderPlanText(allowed), /Prune: 12 to delete of 12 owned; limit 12 \(set for this run\)\./);
  });
});

describe('summarize and hasChanges', () => {
  const planWith = (...as: Action[]): Plan => ({
    serverVersion: '2.15.2', owner: OWNER,
    changes: as.map((action, i) => ({ action, kind: 'Stream', key: `Stream/S${i}`, target: { type: 'stream', stream: `S${i}` }, fields: [] })),
  });
  const cases: { actions: Action[]; changes: boolean }[] = [
    { actions: [], changes: false },
    { actions: ['noop', 'noop'], changes: false },
    { actions: ['noop', 'skip'], changes: false },
    { actions: ['noop', 'create'], changes: true },
    { actions: ['update'], changes: true },
    { actions: ['replace'], changes: true },
    { actions: ['skip', 'delete'], changes: true },
    { actions: ['unsupported'], changes: true },
  ];
  for (const { actions: as, changes } of cases) {
    test(`hasChanges is ${changes} for [${as.join(', ')}]`, () => {
      assert.equal(hasChanges(planWith(...as)), changes);
    });
  }

  test('summarize counts every action, zero included', () => {
    assert.deepEqual(summarize(planWith('create', 'create', 'update', 'replace', 'delete', 'skip', 'noop', 'noop', 'noop', 'unsupported')), {
      create: 2, update: 1, replace: 1, delete: 1, unsupported: 1, skip: 1, noop: 3,
    });
    assert.deepEqual(summarize(planWith()), { create: 0, update: 0, replace: 0, delete: 0, unsupported: 0, skip: 0, noop: 0 });
  });
});

describe('renderPlanText and planToJson', () => {
  const P = { name: 'P', subjects: ['p.>'], storage: 'file', maxAge: '1h' };
  const mixed = () =>
    planOf(
      [
        declare('Stream', { ...ORDERS, maxAge: '48h' }),
        declare('Stream', { ...P, storage: 'memory' }),
        declare('Stream', { name: 'NEW', subjects: ['new.>'], storage: 'file', maxAge: '30s' }),
        declare('Consumer', C1),
      ],
      liveOf(
        [
          { config: serverStream(ORDERS) },
          { config: serverStream(P), state: { messages: 3, bytes: 300 } },
          { config: serverStream({ name: 'OLD', subjects: ['old.>'] }) },
        ],
        [
          { stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) },
          // not ours: prune leaves it, but replacing P still loses it
          { stream: 'P', name: 'pc', config: serverConsumer({ ...C2, streamName: 'P', durableName: 'pc' }, { owner: 'team-b' }) },
        ],
      ),
      true,
    );

  test('renderPlanText shows each change with its fields, data loss and the summary line', () => {
    assert.equal(renderPlanText(mixed()), [
      '~ update      Stream/ORDERS',
      '    maxAge: 24h → 48h',
      '-/+ replace     Stream/P  (storage: the server cannot change the storage type of a stream)',
      '    storage: file → memory   [forces replace]',
      '    DATA LOSS: deletes stream P and its 3 messages (300 bytes), and consumers pc with their delivery state; recreates it empty',
      '    apply refuses this without `allowReplace`',
      '+ create      Stream/NEW',
      '    subjects: [new.>]',
      '    maxAge: 30s',
      '- delete      Stream/OLD  (no longer declared (prune))',
      '    DATA LOSS: deletes stream OLD',
      'Prune: 1 to delete of 4 owned; limit 1 (default: 25 % of the 4 owned, at least 1, at most 10).',
      '',
      'Plan: 1 to create, 1 to update, 1 to replace, 1 to delete, 0 unsupported, 0 skipped, 1 unchanged (nats-server 2.15.2).',
    ].join('\n'));
  });

  test('renderPlanText with allowReplace drops the refusal line and with verbose lists unchanged resources', () => {
    const text = renderPlanText(mixed(), { verbose: true, allowReplace: true });
    assert.equal(text.includes('apply refuses this without'), false);
    assert.ok(text.includes('\n  unchanged   Consumer/ORDERS/c1\n'), text);
  });

  test('renderPlanText says so when nothing changes', () => {
    const p = planOf([declare('Stream', P_SPEC)], liveOf([{ config: SERVER_P }]));
    assert.equal(renderPlanText(p), [
      'No changes. The server matches the manifests.',
      '',
      'Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 0 unsupported, 0 skipped, 1 unchanged (nats-server 2.15.2).',
    ].join('\n'));
  });

  test('renderPlanText shows unsupported fields with the version they need', () => {
    const p = planOf([declare('Stream', { ...ORDERS, compression: 's2' })], liveOf([], [], '2.9.10'));
    assert.equal(renderPlanText(p).split('\n').slice(0, 2).join('\n'), [
      '! unsupported Stream/ORDERS  (compression needs nats-server 2.10.0 (connected: 2.9.10))',
      '    compression: s2   [needs nats-server 2.10.0]',
    ].join('\n'));
  });

  test('planToJson has stable keys at every level', () => {
    const j = planToJson(mixed());
    assert.deepEqual(Object.keys(j), ['serverVersion', 'owner', 'summary', 'prune', 'changes']);
    assert.deepEqual(j.summary, { create: 1, update: 1, replace: 1, delete: 1, unsupported: 0, skip: 0, noop: 1 });
    const changes = j.changes as Record<string, unknown>[];
    assert.equal(changes.length, 5);
    for (const c of changes) {
      assert.deepEqual(Object.keys(c), ['action', 'kind', 'key', 'name', 'target', 'reason', 'dataLoss', 'source', 'fields']);
      for (const f of c.fields as Record<string, unknown>[]) {
        assert.deepEqual(Object.keys(f), ['field', 'apiField', 'from', 'to', 'immutable', 'since']);
      }
    }
    assert.deepEqual(changes[0], {
      action: 'update', kind: 'Stream', key: 'Stream/ORDERS', name: 'orders', target: { type: 'stream', stream: 'ORDERS' },
      reason: undefined, dataLoss: undefined, source: undefined,
      fields: [{ field: 'maxAge', apiField: 'max_age', from: 24 * H, to: 48 * H, immutable: undefined, since: undefined }],
    });
    // JSON round trip keeps only data (no resource objects, no functions)
    assert.deepEqual(JSON.parse(JSON.stringify(j)).changes[4], {
      action: 'delete', kind: 'Stream', key: 'Stream/OLD', target: { type: 'stream', stream: 'OLD' },
      reason: 'no longer declared (prune)', dataLoss: 'deletes stream OLD', fields: [],
    });
  });

  test('planToJson points at the manifest a change came from', () => {
    const desired = seed('order-pipeline.yaml');
    const j = planToJson(planOf(desired, NOTHING));
    assert.deepEqual((j.changes as { key: string; source: unknown }[]).map((c) => [c.key, c.source]), [
      ['Stream/ORDERS', { file: 'order-pipeline.yaml', line: 8 }],
      ['Stream/PDF_TASKS', { file: 'order-pipeline.yaml', line: 48 }],
      ['Consumer/ORDERS/fulfillment-created', { file: 'order-pipeline.yaml', line: 22 }],
      ['Consumer/ORDERS/analytics-created', { file: 'order-pipeline.yaml', line: 35 }],
      ['Consumer/PDF_TASKS/pdf-workers', { file: 'order-pipeline.yaml', line: 60 }],
    ]);
  });
});

describe('resourceStatuses', () => {
  const R3 = { ...ORDERS, replicas: 3 };
  const health = (streams: [string, Parameters<LiveHealth['streams']['set']>[1]][]): LiveHealth => ({
    streams: new Map(streams),
    consumers: new Map([['ORDERS/c1', { num_pending: 4, num_ack_pending: 1, num_redelivered: 0 }]]),
  });
  const healthy = { messages: 10, bytes: 1000, leader: 'n1', numReplicas: 3, replicas: [{ name: 'n2', current: true }, { name: 'n3', current: true }] };

  const cases: {
    name: string;
    desired: Resource[];
    live: LiveState;
    health: LiveHealth;
    want: { key: string; ready: boolean; reason: string; message: string }[];
  }[] = [
    {
      name: 'NotFound for a resource that does not exist',
      desired: [declare('Stream', R3)], live: NOTHING, health: health([]),
      want: [{ key: 'Stream/ORDERS', ready: false, reason: 'NotFound', message: 'does not exist on the server; run jetkeeper apply' }],
    },
    {
      name: 'Drifted for a resource an update would change',
      desired: [declare('Stream', { ...R3, maxAge: '48h' })], live: liveOf([{ config: serverStream(R3) }]), health: health([['ORDERS', healthy]]),
      want: [{ key: 'Stream/ORDERS', ready: false, reason: 'Drifted', message: 'differs from the manifest: maxAge' }],
    },
    {
      name: 'NeedsReplace for a resource only a replace can change',
      desired: [declare('Stream', { ...R3, storage: 'memory' })], live: liveOf([{ config: serverStream(R3) }]), health: health([['ORDERS', healthy]]),
      want: [{
        key: 'Stream/ORDERS', ready: false, reason: 'NeedsReplace',
        message: 'differs in a field the server cannot change in place: storage (storage: the server cannot change the storage type of a stream)',
      }],
    },
    {
      name: 'Ready for matching resources with current replicas',
      desired: [declare('Stream', R3), declare('Consumer', C1)],
      live: liveOf([{ config: serverStream(R3) }], [{ stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) }]),
      health: health([['ORDERS', healthy]]),
      want: [
        { key: 'Stream/ORDERS', ready: true, reason: 'Ready', message: 'matches the manifest' },
        { key: 'Consumer/ORDERS/c1', ready: true, reason: 'Ready', message: 'matches the manifest' },
      ],
    },
    {
      name: 'ReplicasNotCurrent for a matching stream with a lagging or offline replica',
      desired: [declare('Stream', R3)], live: liveOf([{ config: serverStream(R3) }]),
      health: health([['ORDERS', { ...healthy, replicas: [{ name: 'n2', current: false }, { name: 'n3', current: true, offline: true }] }]]),
      want: [{ key: 'Stream/ORDERS', ready: false, reason: 'ReplicasNotCurrent', message: 'replicas not current: n2, n3' }],
    },
    {
      name: 'NoLeader for a replicated stream without a leader',
      desired: [declare('Stream', R3)], live: liveOf([{ config: serverStream(R3) }]),
      health: health([['ORDERS', { messages: 0, bytes: 0, numReplicas: 3 }]]),
      want: [{ key: 'Stream/ORDERS', ready: false, reason: 'NoLeader', message: 'the stream has no leader (no quorum)' }],
    },
    {
      name: 'UpdatePrevented for a drifted resource with preventUpdate',
      desired: [declare('Stream', { ...R3, maxAge: '48h', preventUpdate: true })], live: liveOf([{ config: serverStream(R3) }]),
      health: health([['ORDERS', healthy]]),
      want: [{ key: 'Stream/ORDERS', ready: false, reason: 'UpdatePrevented', message: 'preventUpdate: true' }],
    },
    {
      name: 'Unmanaged for a resource marked managed: "false"',
      desired: [declare('Stream', R3)], live: liveOf([{ config: serverStream(R3, { metadata: { 'jetkeeper.io/managed': 'false' } }) }]),
      health: health([['ORDERS', healthy]]),
      want: [{ key: 'Stream/ORDERS', ready: true, reason: 'Unmanaged', message: 'jetkeeper.io/managed: "false" on the server: jetkeeper lets go of it' }],
    },
    {
      name: 'Unsupported for fields the server does not know',
      desired: [declare('Stream', { ...R3, compression: 's2' })], live: liveOf([], [], '2.9.10'), health: health([]),
      want: [{
        key: 'Stream/ORDERS', ready: false, reason: 'Unsupported',
        message: 'uses fields the connected server does not support: compression (compression needs nats-server 2.10.0 (connected: 2.9.10))',
      }],
    },
  ];
  for (const c of cases) {
    test(`resourceStatuses reports ${c.name}`, () => {
      const got = resourceStatuses(planOf(c.desired, c.live), c.health).map(({ key, ready, reason, message }) => ({ key, ready, reason, message }));
      assert.deepEqual(got, c.want);
    });
  }

  test('resourceStatuses carries the live numbers and leaves out prune deletes', () => {
    const live = liveOf([{ config: serverStream(R3) }, { config: serverStream({ name: 'OLD', subjects: ['old.>'] }) }], [
      { stream: 'ORDERS', name: 'c1', config: serverConsumer(C1) },
    ]);
    const st = resourceStatuses(planOf([declare('Stream', R3), declare('Consumer', C1)], live, true), health([['ORDERS', healthy]]));
    assert.deepEqual(st.map((s) => [s.key, s.live]), [
      ['Stream/ORDERS', { ...healthy }],
      ['Consumer/ORDERS/c1', { num_pending: 4, num_ack_pending: 1, num_redelivered: 0 }],
    ]);
  });
});
