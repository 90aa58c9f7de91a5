/**
 * The stream and consumer field tables against a real nats-server (2.14 or newer): every field the
 * table marks updatable is changed in place and stored, every create-only field is refused on
 * update, and every turn-on-only field can be turned on but not off. The requests go straight to
 * the JetStream API (no client-side merge), and the assertions read what the server answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { diffConfigs } from '../../src/plan/plan.js';
import { CONSUMER_FIELDS } from '../../src/resources/consumer/fields.js';
import { consumerKind } from '../../src/resources/consumer/index.js';
import type { FieldDef, FieldTable } from '../../src/resources/fields.js';
import { compareVersions, type ApiConfig, type ResourceKind } from '../../src/resources/kind.js';
import { STREAM_FIELDS } from '../../src/resources/stream/fields.js';
import { streamKind } from '../../src/resources/stream/index.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { startTestCluster } from '../helpers/servers.js';

const S = 1_000_000_000;

/** One probe of a field: the config to create with (`base` + `from`) and the value to update to. */
interface Probe { base?: ApiConfig; from: unknown; to: unknown }

/** Probes per API field; a field with `skip` says why this server cannot show its behaviour. */
type Probes = Record<string, Probe | { skip: string }>;

const STREAM_PROBES: Probes = {
  name: { from: undefined, to: 'ANOTHER_NAME' },
  description: { from: 'a', to: 'b' },
  subjects: { from: undefined, to: ['more.>'] },
  retention: { from: 'limits', to: 'workqueue' },
  max_consumers: { from: -1, to: 10 },
  max_msgs: { from: -1, to: 10 },
  max_bytes: { from: -1, to: 1000 },
  max_age: { from: 0, to: 60 * S },
  max_msgs_per_subject: { from: -1, to: 5 },
  max_msg_size: { from: -1, to: 1024 },
  discard: { from: 'old', to: 'new' },
  storage: { from: 'file', to: 'memory' },
  num_replicas: { skip: 'one server has one replica; changing replicas needs a cluster' },
  no_ack: { from: false, to: true },
  duplicate_window: { from: 120 * S, to: 30 * S },
  placement: { skip: 'placement needs a cluster or server tags' },
  mirror: { base: { subjects: undefined }, from: { name: 'ORIGIN' }, to: { name: 'ORIGIN', filter_subject: 'origin.a' } },
  sources: { base: { subjects: undefined }, from: undefined, to: [{ name: 'ORIGIN' }] },
  sealed: { from: false, to: true },
  deny_delete: { from: false, to: true },
  deny_purge: { from: false, to: true },
  allow_rollup_hdrs: { from: false, to: true },
  allow_direct: { from: false, to: true },
  mirror_direct: { from: false, to: true },
  republish: { from: undefined, to: { src: '>', dest: 'republished.>' } },
  discard_new_per_subject: { base: { discard: 'new', max_msgs_per_subject: 5 }, from: false, to: true },
  metadata: { from: undefined, to: { team: 'core' } },
  compression: { from: 'none', to: 's2' },
  first_seq: { from: 0, to: 100 },
  subject_transform: { from: undefined, to: { src: '>', dest: 'transformed.>' } },
  consumer_limits: { from: {}, to: { max_ack_pending: 10 } },
  allow_msg_ttl: { from: false, to: true },
  subject_delete_marker_ttl: { base: { allow_msg_ttl: true }, from: 0, to: 5 * S },
  allow_msg_counter: { from: false, to: true },
  allow_atomic: { from: false, to: true },
  allow_msg_schedules: { from: false, to: true },
  persist_mode: { from: 'default', to: 'async' },
  allow_batched: { from: false, to: true },
};

const PULL: ApiConfig = { deliver_policy: 'all', ack_policy: 'explicit', replay_policy: 'instant' };
const PUSH: ApiConfig = { ...PULL, deliver_subject: 'deliver.a' };
const PINNED: ApiConfig = { ...PULL, priority_policy: 'pinned_client', priority_groups: ['g'] };

const CONSUMER_PROBES: Probes = {
  durable_name: { from: undefined, to: 'another-name' },
  description: { from: 'a', to: 'b' },
  deliver_policy: { from: 'all', to: 'new' },
  opt_start_seq: { base: { deliver_policy: 'by_start_sequence' }, from: 1, to: 5 },
  opt_start_time: { base: { deliver_policy: 'by_start_time' }, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
  deliver_subject: { from: undefined, to: 'deliver.b' },
  deliver_group: { base: PUSH, from: undefined, to: 'group' },
  ack_policy: { from: 'explicit', to: 'all' },
  ack_wait: { from: 30 * S, to: 10 * S },
  max_deliver: { from: -1, to: 5 },
  backoff: { base: { max_deliver: 5 }, from: undefined, to: [S, 2 * S] },
  filter_subject: { from: undefined, to: 'c.a' },
  filter_subjects: { from: undefined, to: ['c.a', 'c.b'] },
  replay_policy: { from: 'instant', to: 'original' },
  sample_freq: { from: undefined, to: '50%' },
  rate_limit_bps: { base: PUSH, from: 0, to: 1000 },
  max_ack_pending: { from: 1000, to: 10 },
  max_waiting: { from: 512, to: 10 },
  headers_only: { from: false, to: true },
  idle_heartbeat: { base: PUSH, from: 0, to: 5 * S },
  flow_control: { base: { ...PUSH, idle_heartbeat: 5 * S }, from: false, to: true },
  max_batch: { from: 0, to: 10 },
  max_expires: { from: 0, to: 10 * S },
  max_bytes: { from: 0, to: 1000 },
  inactive_threshold: { from: 0, to: 60 * S },
  pause_until: { from: undefined, to: '2030-01-01T00:00:00Z' },
  priority_policy: { base: { priority_groups: ['g'] }, from: 'overflow', to: 'pinned_client' },
  priority_timeout: { base: PINNED, from: 120 * S, to: 60 * S },
  priority_groups: { base: PINNED, from: ['g'], to: ['h'] },
  num_replicas: { from: 0, to: 1 },
  mem_storage: { from: false, to: true },
  metadata: { from: undefined, to: { team: 'core' } },
};

/** A create-only field the server does not refuse but keeps at its stored value (only its pause API changes it). */
const KEPT_ON_UPDATE = new Set(['pause_until']);

/** The config without its undefined fields (a probe's `from: undefined` means the field is absent). */
function withoutUndefined(c: ApiConfig): ApiConfig {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

interface Reply { error?: { code: number; err_code: number; description: string }; config?: ApiConfig }

describe('field tables against a real server', () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;
  let version = '';
  let serial = 0;
  const observed: string[] = [];

  async function api(subject: string, body: unknown): Promise<Reply> {
    const m = await nc.request(subject, JSON.stringify(body), { timeout: 10_000 });
    return JSON.parse(new TextDecoder().decode(m.data)) as Reply;
  }

  const streamProbe = {
    kind: streamKind as ResourceKind,
    table: STREAM_FIELDS as FieldTable,
    probes: STREAM_PROBES,
    /** creates a fresh stream and returns a function that sends an update of it */
    async create(config: ApiConfig) {
      const name = `F${++serial}`;
      const full = withoutUndefined({ subjects: [`f${serial}.>`], storage: 'file', num_replicas: 1, ...config, name });
      const created = await api(`$JS.API.STREAM.CREATE.${name}`, full);
      return { created, full, update: (c: ApiConfig) => api(`$JS.API.STREAM.UPDATE.${name}`, { ...c, name: c.name ?? name }) };
    },
  };

  const consumerProbe = {
    kind: consumerKind as ResourceKind,
    table: CONSUMER_FIELDS as FieldTable,
    probes: CONSUMER_PROBES,
    async create(config: ApiConfig) {
      const name = `c${++serial}`;
      const full = withoutUndefined({ ...PULL, ...config, durable_name: name, name });
      const created = await api(`$JS.API.CONSUMER.CREATE.CONSUMERS.${name}`, { stream_name: 'CONSUMERS', config: full, action: 'create' });
      const update = (c: ApiConfig) =>
        api(`$JS.API.CONSUMER.CREATE.CONSUMERS.${name}`, { stream_name: 'CONSUMERS', config: { ...c, name: c.durable_name }, action: 'update' });
      return { created, full, update };
    },
  };

  before(async () => {
    cluster = await startTestCluster(1);
    nc = await connect({ servers: cluster.urls as string[] });
    version = nc.info!.version;
    const info = (await api('$JS.API.INFO', {})) as { api?: { level?: number } };
    observed.push(`$JS.API.INFO api.level: ${info.api?.level ?? 'not reported'}`);
    await api('$JS.API.STREAM.CREATE.ORIGIN', { name: 'ORIGIN', subjects: ['origin.>'], storage: 'file' });
    await api('$JS.API.STREAM.CREATE.CONSUMERS', { name: 'CONSUMERS', subjects: ['c.>'], storage: 'file' });
  });

  after(async () => {
    if (observed.length) console.log(`what nats-server ${version} answered:\n${observed.join('\n')}`);
    await nc?.close();
    await cluster?.stop({ purge: true });
  });

  const stored = (kind: ResourceKind, config: ApiConfig | undefined, field: string) => kind.normalise(config ?? {})[field];

  /** What was sent and what the server stored mean the same to jetkeeper (no drift after the write). */
  function assertSameMeaning(kind: ResourceKind, sent: ApiConfig, returned: ApiConfig | undefined, field: string): void {
    const drift = diffConfigs(kind, sent, returned ?? {}).map((f) => `${f.apiField}: ${JSON.stringify(f.to)} sent, ${JSON.stringify(f.from)} stored`);
    assert.deepEqual(drift, [], `${field}: the server stored a config that plans as a change`);
  }

  /** Creates with `from`, updates to `to`; returns the replies and the value the server stored. */
  async function change(p: typeof streamProbe, field: string, probe: Probe) {
    const first = { ...probe.base, [field]: probe.from };
    const made = await p.create(first);
    assert.equal(made.created.error, undefined, `${field}: create: ${made.created.error?.description}`);
    const sent = { ...made.full, [field]: probe.to };
    const reply = await made.update(sent);
    return { made, sent, reply };
  }

  async function checkUpdatable(p: typeof streamProbe, field: string, probe: Probe) {
    const { made, sent, reply } = await change(p, field, probe);
    assert.equal(reply.error, undefined, `${field} is marked updatable but the server refused: ${reply.error?.description}`);
    assert.deepEqual(stored(p.kind, reply.config, field), stored(p.kind, sent, field), `${field}: the server stored another value`);
    assertSameMeaning(p.kind, sent, reply.config, field);
    const back = await made.update(made.full);
    assert.equal(back.error, undefined, `${field}: changing it back was refused: ${back.error?.description}`);
    observed.push(`${field}: changed in place and back`);
  }

  async function checkCreateOnly(p: typeof streamProbe, field: string, probe: Probe) {
    const { made, reply } = await change(p, field, probe);
    if (KEPT_ON_UPDATE.has(field)) {
      assert.equal(reply.error, undefined);
      assert.deepEqual(stored(p.kind, reply.config, field), stored(p.kind, made.full, field), `${field}: the server changed it on update`);
      observed.push(`${field}: update accepted, stored value kept`);
      return;
    }
    assert.ok(reply.error, `${field} is marked create-only but the server changed it in place`);
    observed.push(`${field}: refused (${reply.error.err_code} ${reply.error.description})`);
  }

  async function checkTurnOnOnly(p: typeof streamProbe, field: string, probe: Probe) {
    const { made, sent, reply } = await change(p, field, probe);
    assert.equal(reply.error, undefined, `${field}: turning it on was refused: ${reply.error?.description}`);
    assert.equal(stored(p.kind, reply.config, field), probe.to);
    assertSameMeaning(p.kind, sent, reply.config, field);
    const off = await made.update({ ...sent, ...reply.config, [field]: probe.from, metadata: undefined });
    assert.ok(off.error, `${field} is marked turn-on-only but the server turned it off`);
    observed.push(`${field}: turned on in place; off refused (${off.error.description})`);
  }

  function fieldTests(p: typeof streamProbe) {
    for (const [spec, def] of Object.entries(p.table) as [string, FieldDef][]) {
      const apiField = def.api;
      if (!apiField) continue;
      const probe = p.probes[apiField];
      test(`${p.kind.kind} ${spec} (${def.api}) is ${def.change === 'update' ? 'updatable' : def.change === 'create' ? 'create-only' : 'turn-on-only'}`, async (t) => {
        assert.ok(probe, `no probe for ${apiField}: add one to the test`);
        if ('skip' in probe) return t.skip(probe.skip);
        if (compareVersions(version, '2.14.0') < 0) return t.skip(`nats-server ${version}: the table is measured on 2.14 and newer`);
        if (def.since && compareVersions(version, def.since) < 0) return t.skip(`nats-server ${version} predates ${def.since}`);
        if (def.change === 'update') await checkUpdatable(p, apiField, probe);
        else if (def.change === 'create') await checkCreateOnly(p, apiField, probe);
        else await checkTurnOnOnly(p, apiField, probe);
      });
    }
  }

  describe('stream', () => fieldTests(streamProbe));
  describe('consumer', () => fieldTests(consumerProbe));

  test('retention changes in place between limits and interest (only workqueue is create-only)', async (t) => {
    if (compareVersions(version, '2.14.0') < 0) return t.skip(`nats-server ${version}`);
    const { reply } = await change(streamProbe, 'retention', { from: 'limits', to: 'interest' });
    assert.equal(reply.error, undefined);
    assert.equal(streamKind.immutable.find((r) => r.field === 'retention')!.when!('limits', 'interest'), false);
  });

  test('a push consumer\'s deliver subject changes in place (only push <-> pull is create-only)', async (t) => {
    if (compareVersions(version, '2.14.0') < 0) return t.skip(`nats-server ${version}`);
    const { reply } = await change(consumerProbe, 'deliver_subject', { from: 'deliver.a', to: 'deliver.b' });
    assert.equal(reply.error, undefined);
    assert.equal(consumerKind.immutable.find((r) => r.field === 'deliver_subject')!.when!('deliver.a', 'deliver.b'), false);
  });
});
