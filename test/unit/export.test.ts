import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { exportManifests, toResourceName, type ExportInput, type Manifest } from '../../src/manifests/export.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import { plan, type LiveState } from '../../src/plan/plan.js';
import type { ApiConfig } from '../../src/resources/kind.js';

const S = 1_000_000_000;
const H = 3600 * S;
const ONE_YEAR = 8760 * H;
const API_VERSION = 'jetstream.nats.io/v1beta2';
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const md = (owner: string | null = 'default', extra: Record<string, string> = {}): Record<string, string> => ({
  '_nats.level': '1', '_nats.req.level': '0', '_nats.ver': '2.15.2', ...(owner === null ? {} : { 'jetkeeper.io/owner': owner }), ...extra,
});

/** Every field nats-server 2.15.2 returns for a stream, at its default. */
const STREAM_DEFAULTS: ApiConfig = {
  retention: 'limits', max_consumers: -1, max_msgs: -1, max_bytes: -1, max_age: 0, max_msgs_per_subject: -1,
  max_msg_size: -1, discard: 'old', storage: 'file', num_replicas: 1, duplicate_window: 120 * S, compression: 'none',
  allow_direct: false, mirror_direct: false, sealed: false, deny_delete: false, deny_purge: false,
  allow_rollup_hdrs: false, consumer_limits: {}, allow_msg_ttl: false,
};
const stream = (config: ApiConfig, owner: string | null = 'default') => ({ config: { ...STREAM_DEFAULTS, ...config, metadata: md(owner, config.metadata as Record<string, string>) } });

/** A pull consumer with explicit acks as 2.15.2 returns it. */
const CONSUMER_DEFAULTS: ApiConfig = {
  deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: -1, replay_policy: 'instant',
  max_waiting: 512, max_ack_pending: 1000, num_replicas: 0,
};
const consumer = (streamName: string, config: ApiConfig, owner: string | null = 'default') => ({
  stream: streamName,
  name: String(config.name),
  config: { ...CONSUMER_DEFAULTS, ...config, metadata: md(owner) },
});

/** The seed order pipeline as the server holds it after apply, plus an ephemeral consumer. */
const pipeline = (): ExportInput & LiveState => ({
  serverVersion: '2.15.2',
  streams: [
    stream({ name: 'PDF_TASKS', subjects: ['pdf.render.request'], retention: 'workqueue', max_age: ONE_YEAR, num_replicas: 3 }),
    stream({ name: 'ORDERS', subjects: ['orders.created', 'orders.paid', 'orders.cancelled'], max_age: 24 * H, max_bytes: 1073741824, num_replicas: 3 }),
  ],
  consumers: [
    consumer('PDF_TASKS', { durable_name: 'pdf-workers', name: 'pdf-workers', ack_wait: 60 * S, max_deliver: 5 }),
    consumer('ORDERS', { durable_name: 'fulfillment-created', name: 'fulfillment-created', max_deliver: 5, filter_subject: 'orders.created' }),
    consumer('ORDERS', { durable_name: 'analytics-created', name: 'analytics-created', max_deliver: 5, filter_subject: 'orders.created' }),
    // an ephemeral consumer of a running client: a name but no durable_name
    consumer('ORDERS', { name: 'Tq0bK1Yz', ack_policy: 'none', inactive_threshold: 5 * S, max_waiting: 512 }, null),
  ],
});

const names = (ms: Manifest[]) => ms.map((m) => `${m.kind}/${m.metadata.name}`);

describe('toResourceName', () => {
  const cases: { name: string; want: string }[] = [
    { name: 'ORDERS', want: 'orders' },
    { name: 'PDF_TASKS', want: 'pdf-tasks' },
    { name: 'orders_v2__eu', want: 'orders-v2-eu' },
    { name: 'ORDERS-fulfillment-created', want: 'orders-fulfillment-created' },
    { name: '__X__', want: 'x' },
    { name: '-a-', want: 'a' },
    { name: '___', want: 'resource' },
    { name: '', want: 'resource' },
    { name: 'x'.repeat(70), want: 'x'.repeat(63) },
    // cut at 63 characters must not leave a trailing '-'
    { name: `${'a'.repeat(62)}_b`, want: 'a'.repeat(62) },
  ];
  for (const { name, want } of cases) {
    test(`toResourceName turns ${JSON.stringify(name.length > 20 ? name.slice(0, 8) + '…' + name.slice(-4) : name)} into a DNS-1123 name`, () => {
      const got = toResourceName(name);
      assert.equal(got, want);
      assert.match(got, DNS_1123);
      assert.ok(got.length <= 63);
    });
  }
});

describe('exportManifests', () => {
  test('exportManifests writes the live pipeline as Stream and Consumer manifests with the shortest specs', () => {
    assert.deepEqual(exportManifests(pipeline()), [
      {
        apiVersion: API_VERSION, kind: 'Stream', metadata: { name: 'orders' },
        spec: { name: 'ORDERS', subjects: ['orders.created', 'orders.paid', 'orders.cancelled'], maxBytes: 1073741824, maxAge: '24h', storage: 'file', replicas: 3 },
      },
      {
        apiVersion: API_VERSION, kind: 'Stream', metadata: { name: 'pdf-tasks' },
        spec: { name: 'PDF_TASKS', subjects: ['pdf.render.request'], retention: 'workqueue', storage: 'file', replicas: 3 },
      },
      {
        apiVersion: API_VERSION, kind: 'Consumer', metadata: { name: 'orders-analytics-created' },
        spec: { streamName: 'ORDERS', durableName: 'analytics-created', ackPolicy: 'explicit', maxDeliver: 5, filterSubject: 'orders.created' },
      },
      {
        apiVersion: API_VERSION, kind: 'Consumer', metadata: { name: 'orders-fulfillment-created' },
        spec: { streamName: 'ORDERS', durableName: 'fulfillment-created', ackPolicy: 'explicit', maxDeliver: 5, filterSubject: 'orders.created' },
      },
      {
        apiVersion: API_VERSION, kind: 'Consumer', metadata: { name: 'pdf-tasks-pdf-workers' },
        spec: { streamName: 'PDF_TASKS', durableName: 'pdf-workers', ackPolicy: 'explicit', ackWait: '1m', maxDeliver: 5 },
      },
    ]);
  });

  test('exportManifests skips ephemeral consumers (no durable_name)', () => {
    const live = pipeline();
    const durableless = exportManifests({ streams: live.streams, consumers: live.consumers.filter((c) => c.name === 'Tq0bK1Yz') });
    assert.deepEqual(names(durableless), ['Stream/orders', 'Stream/pdf-tasks']);
  });

  test('exportManifests gives only DNS-1123 metadata names', () => {
    for (const m of exportManifests(pipeline())) assert.match(m.metadata.name, DNS_1123);
  });

  const filters: { what: string; opts: { owner?: string; streams?: string[] }; want: string[] }[] = [
    {
      what: 'owner default keeps what default owns',
      opts: { owner: 'default' },
      want: ['Stream/orders', 'Stream/pdf-tasks', 'Consumer/orders-mine'],
    },
    { what: 'owner team-b keeps only team-b\'s', opts: { owner: 'team-b' }, want: ['Stream/theirs', 'Consumer/orders-theirs'] },
    { what: 'an owner nobody has keeps nothing', opts: { owner: 'nobody' }, want: [] },
    {
      what: 'streams [ORDERS] keeps ORDERS and its consumers',
      opts: { streams: ['ORDERS'] },
      want: ['Stream/orders', 'Consumer/orders-mine', 'Consumer/orders-theirs', 'Consumer/orders-untagged'],
    },
    {
      what: 'streams [PDF_TASKS, THEIRS]',
      opts: { streams: ['PDF_TASKS', 'THEIRS'] },
      want: ['Stream/pdf-tasks', 'Stream/theirs'],
    },
    { what: 'owner and streams together', opts: { owner: 'default', streams: ['ORDERS'] }, want: ['Stream/orders', 'Consumer/orders-mine'] },
    {
      what: 'an empty stream list keeps every stream',
      opts: { streams: [] },
      want: ['Stream/orders', 'Stream/pdf-tasks', 'Stream/theirs', 'Stream/untagged', 'Consumer/orders-mine', 'Consumer/orders-theirs', 'Consumer/orders-untagged'],
    },
  ];
  const mixed: ExportInput = {
    streams: [
      stream({ name: 'ORDERS', subjects: ['orders.>'] }),
      stream({ name: 'PDF_TASKS', subjects: ['pdf.>'] }),
      stream({ name: 'THEIRS', subjects: ['theirs.>'] }, 'team-b'),
      stream({ name: 'UNTAGGED', subjects: ['untagged.>'] }, null),
    ],
    consumers: [
      consumer('ORDERS', { durable_name: 'mine', name: 'mine' }),
      consumer('ORDERS', { durable_name: 'theirs', name: 'theirs' }, 'team-b'),
      consumer('ORDERS', { durable_name: 'untagged', name: 'untagged' }, null),
    ],
  };
  for (const { what, opts, want } of filters) {
    test(`exportManifests filters: ${what}`, () => {
      assert.deepEqual(names(exportManifests(mixed, opts)), want);
    });
  }

  test('exportManifests gives colliding names a numbered suffix that still fits 63 characters', () => {
    const long = 'L'.repeat(70);
    const ms = exportManifests({
      streams: [stream({ name: 'A_B' }), stream({ name: 'a-b' }), stream({ name: `${long}_1` }), stream({ name: `${long}_2` })],
      consumers: [consumer('A_B', { durable_name: 'c', name: 'c' }), consumer('A', { durable_name: 'B_C', name: 'B_C' })],
    });
    // which of two colliding names gets the suffix follows the (locale) sort order, so compare sorted
    assert.deepEqual(names(ms).sort(), [
      'Consumer/a-b-c', 'Consumer/a-b-c-2',
      'Stream/a-b', 'Stream/a-b-2', `Stream/${'l'.repeat(61)}-2`, `Stream/${'l'.repeat(63)}`,
    ]);
    const byIdentity = new Map(ms.map((m) => [String(m.spec.name ?? `${m.spec.streamName}/${m.spec.durableName}`), m.metadata.name]));
    assert.equal(byIdentity.get(`${long}_1`), 'l'.repeat(63));
    assert.equal(byIdentity.get(`${long}_2`), `${'l'.repeat(61)}-2`);
    assert.equal(byIdentity.size, 6);
    for (const m of ms) {
      assert.match(m.metadata.name, DNS_1123);
      assert.ok(m.metadata.name.length <= 63, m.metadata.name);
    }
  });

  test('exportManifests writes maxAge 0s for a stream without an age limit (absent would mean NACK\'s one year)', () => {
    const [m] = exportManifests({ streams: [stream({ name: 'P', subjects: ['p.>'] })], consumers: [] });
    assert.deepEqual(m.spec, { name: 'P', subjects: ['p.>'], maxAge: '0s', storage: 'file' });
  });

  test('exportManifests leaves server and jetkeeper metadata out and keeps the user\'s', () => {
    const [m] = exportManifests({
      streams: [stream({ name: 'P', subjects: ['p.>'], max_age: ONE_YEAR, metadata: { team: 'shop', 'jetkeeper.io/prevent-delete': 'true' } })],
      consumers: [],
    });
    assert.deepEqual(m.spec, { name: 'P', subjects: ['p.>'], storage: 'file', metadata: { team: 'shop' } });
  });
});

/** A live state using most stream and consumer features, as 2.15.2 reports them. */
const rich = (): LiveState => ({
  serverVersion: '2.15.2',
  streams: [
    stream({
      name: 'EVENTS', subjects: ['ev.>'], description: 'all events', max_msgs: 1000, max_bytes: 1 << 30, max_age: H,
      max_msgs_per_subject: 10, max_msg_size: 65536, discard: 'new', discard_new_per_subject: true, num_replicas: 3,
      duplicate_window: 30 * S, placement: { cluster: 'east', tags: ['ssd'] }, deny_delete: true, deny_purge: true,
      allow_direct: true, compression: 's2', first_seq: 100, subject_transform: { src: 'ev.>', dest: 'events.>' },
      republish: { src: 'ev.>', dest: 'repub.>', headers_only: false }, allow_msg_ttl: true, subject_delete_marker_ttl: 60 * S,
      consumer_limits: { inactive_threshold: 300 * S, max_ack_pending: 50 }, metadata: { team: 'core' },
    }),
    stream({
      name: 'AGG', max_age: 0, allow_rollup_hdrs: true,
      sources: [{ name: 'EVENTS', filter_subject: 'ev.a.>' }, { name: 'REMOTE', opt_start_seq: 5, external: { api: '$JS.hub.API', deliver: '' } }],
    }),
    stream({ name: 'MIR', mirror: { name: 'EVENTS', opt_start_time: '2026-01-02T15:04:05Z' }, mirror_direct: true, storage: 'memory', max_age: ONE_YEAR }),
    stream({ name: 'WQ', subjects: ['wq'], retention: 'workqueue', max_age: 10 * S, duplicate_window: 10 * S, persist_mode: 'async' }),
    stream({ name: 'DUR', max_age: 0, allow_batched: true, sources: [{ name: 'EVENTS', consumer: { name: 'fc', deliver_subject: 'deliver.fc' } }] }),
  ],
  consumers: [
    consumer('EVENTS', {
      durable_name: 'pull', name: 'pull', description: 'a pull', deliver_policy: 'by_start_sequence', opt_start_seq: 42,
      ack_wait: 10 * S, max_deliver: 4, backoff: [10 * S, 20 * S, 30 * S], filter_subjects: ['ev.a', 'ev.b'], max_waiting: 100,
      max_ack_pending: 20, max_batch: 10, max_expires: 30 * S, max_bytes: 1024, inactive_threshold: 120 * S, num_replicas: 1,
      headers_only: true, sample_freq: '50%',
    }),
    // a push consumer with ack none cannot live on a stream with consumer_limits (the server refuses it)
    consumer('MIR', {
      durable_name: 'push', name: 'push', deliver_policy: 'by_start_time', opt_start_time: '2026-01-02T15:04:05.5Z', ack_policy: 'none', ack_wait: undefined, max_ack_pending: undefined,
      max_waiting: undefined, deliver_subject: 'out.push', deliver_group: 'g', replay_policy: 'original', rate_limit_bps: 1000,
      mem_storage: true,
    }),
    // heartbeats and flow control exclude a deliver group (the NATS client refuses both)
    consumer('MIR', {
      durable_name: 'push-fc', name: 'push-fc', deliver_policy: 'new', ack_policy: 'none', ack_wait: undefined, max_ack_pending: undefined,
      max_waiting: undefined, deliver_subject: 'out.fc', idle_heartbeat: 5 * S, flow_control: true,
    }),
    consumer('EVENTS', {
      durable_name: 'prio', name: 'prio', deliver_policy: 'last_per_subject', filter_subject: 'ev.>', priority_policy: 'pinned_client',
      priority_groups: ['g1'], priority_timeout: 120 * S, pause_until: '2030-01-01T00:00:00Z',
      // unset in the request: the server fills in EVENTS' consumer_limits
      max_ack_pending: 50, inactive_threshold: 300 * S,
    }),
    // a work-queue consumer must ack explicitly and deliver all (the server refuses anything else)
    consumer('WQ', { durable_name: 'w', name: 'w', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 60 * S }),
    consumer('EVENTS', {
      durable_name: 'fc', name: 'fc', ack_policy: 'flow_control', deliver_subject: 'deliver.fc', flow_control: true, idle_heartbeat: S,
      ack_wait: undefined, max_waiting: undefined, max_ack_pending: 50, inactive_threshold: 300 * S,
    }),
    consumer('EVENTS', { name: 'ephemeral1', ack_policy: 'none', inactive_threshold: 5 * S }, null),
  ],
});

describe('export round trip', () => {
  const formats: { name: string; write: (ms: Manifest[]) => string }[] = [
    { name: 'multi-document YAML', write: (ms) => ms.map((m) => stringify(m)).join('---\n') },
    { name: 'a JSON List', write: (ms) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: ms }, null, 2) },
  ];
  const states: { name: string; live: () => LiveState; resources: number }[] = [
    { name: 'the seed pipeline', live: pipeline, resources: 5 },
    { name: 'streams and consumers using most fields', live: rich, resources: 11 },
  ];
  for (const s of states) {
    for (const f of formats) {
      test(`export of ${s.name} as ${f.name} validates and plans as all noop against the same live state`, () => {
        const live = s.live();
        const text = f.write(exportManifests(live));
        const v = validateDocuments(parseManifests(text, 'exported'));
        assert.deepEqual(v.errors.map((e) => e.format()), []);
        assert.deepEqual(v.skipped, []);
        assert.equal(v.resources.length, s.resources);
        const p = plan(v.resources, live, { owner: 'default', prune: true });
        const notNoop = p.changes.filter((c) => c.action !== 'noop').map((c) => [c.action, c.key, c.fields.map((x) => x.field)]);
        assert.deepEqual(notNoop, []);
        assert.equal(p.changes.length, s.resources);
      });
    }
  }
});
