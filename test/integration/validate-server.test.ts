/**
 * Property: what validate accepts, a real nats-server accepts. A seeded generator builds a few
 * hundred Stream (+ Consumer, KeyValue, ObjectStore) manifests from a valid base and valid or
 * invalid mutations; every set that validates is created on one single server with the config
 * jetkeeper would send, through the same nats.js calls apply makes (so the client's own checks
 * count too); each create must be accepted and store a config that plans as no change.
 * Mutations of fields newer than
 * the server under test are left out (run it against Debian's 2.9.10 with
 * JETKEEPER_TEST_NATS_SERVER). A set that validate only warns about for a create (sealed: the
 * server seals existing streams only) is not sent. No timing assertions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type ConsumerConfig, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments, type Resource } from '../../src/manifests/validate.js';
import { diffConfigs } from '../../src/plan/plan.js';
import { compareVersions, kindByName } from '../../src/resources/index.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { startTestCluster } from '../helpers/servers.js';

const CASES = 300;
const SEED = 20261201;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Spec = Record<string, unknown>;
interface Case { stream: Spec; consumers: Spec[]; extra: { kind: string; spec: Spec }[]; raw: Record<string, string> }
interface Mutation { since?: string; apply(c: Case, i: number): void }

const S = (f: (s: Spec, i: number) => void, since?: string): Mutation => ({ since, apply: (c, i) => f(c.stream, i) });
const C = (f: (k: Spec, i: number) => void, since?: string): Mutation => ({ since, apply: (c, i) => f(c.consumers[0], i) });
/** a value written into the YAML text as is (numbers a JavaScript number cannot hold) */
const RAW = (field: string, text: string): Mutation => ({ apply: (c) => { c.stream[field] = `@@${field}@@`; c.raw[field] = text; } });

const streamMutations: Mutation[] = [
  S((s, i) => { s.subjects = [`c${i}..x`]; }),
  S((s, i) => { s.subjects = [`c${i}.>.x`]; }),
  S((s, i) => { s.subjects = [`c${i} x`]; }),
  S((s, i) => { s.subjects = [`c${i}.a\t`]; }),
  S((s, i) => { s.subjects = [`c${i}.a`, `c${i}.a`]; }),
  S((s, i) => { s.subjects = [`c${i}.a`, `c${i}.*`]; }),
  S((s, i) => { s.subjects = [`c${i}.a`, `c${i}.b`]; }),
  S((s, i) => { s.subjects = [`c${i}.*.x`, `c${i}.y.*`]; }),
  S((s) => { s.subjects = ['$JS.API.>']; }),
  S((s, i) => { s.subjects = [`$SYS.c${i}`]; }),
  S((s, i) => { s.subjects = [`$JS.EVENT.c${i}`]; }),
  S((s, i) => { s.subjects = [`$KV.c${i}.>`]; }),
  S((s) => { s.subjects = ['>']; }),
  S((s) => { s.subjects = ['>']; s.noAck = true; }),
  S((s) => { s.subjects = ['$JS.API.>']; s.noAck = true; }),
  S((s, i) => { s.subjects = [`$JS.FC.c${i}`]; s.noAck = true; }),
  S((s, i) => { s.subjects = [`$JS.FC.c${i}`]; }),
  S((s) => { s.noAck = true; }),
  S((s, i) => { s.name = `S ${i}`; }),
  S((s, i) => { s.name = `S.${i}`; }),
  S((s, i) => { s.name = `S*${i}`; }),
  S((s, i) => { s.name = `S/${i}`; }),
  S((s, i) => { s.name = `S\\${i}`; }),
  S((s, i) => { s.name = `S\u0001${i}`; }),
  S((s, i) => { s.name = `S${i}`.padEnd(256, 'x'); }),
  S((s, i) => { s.name = `S${i}`.padEnd(255, 'x'); }),
  S((s, i) => { s.name = `ÖRDERS-${i}_ok`; }),
  S((s) => { s.maxAge = '50ms'; }),
  S((s) => { s.maxAge = '100ms'; }),
  S((s) => { s.maxAge = '0'; }),
  S((s) => { s.maxAge = '1h'; }),
  S((s) => { s.maxAge = ' 5s'; }),
  S((s) => { s.maxAge = '24h\n'; }),
  S((s) => { s.maxAge = '9999999999h'; }),
  S((s) => { s.maxAge = `1${'0'.repeat(400)}s`; }),
  S((s) => { s.maxAge = ''; }),
  S((s) => { s.duplicateWindow = '2h'; }),
  S((s) => { s.duplicateWindow = '50ms'; }),
  S((s) => { s.duplicateWindow = '1m'; }),
  S((s) => { s.duplicateWindow = '9000h'; }),
  S((s) => { s.maxMsgSize = 2147483648; }),
  S((s) => { s.maxMsgSize = 2147483647; }),
  S((s) => { s.maxMsgSize = 1024; }),
  S((s) => { s.maxMsgs = 0; }),
  S((s) => { s.maxBytes = 1 << 20; }),
  S((s) => { s.description = 'd'.repeat(4097); }),
  S((s) => { s.description = 'd'.repeat(4096); }),
  RAW('maxBytes', '9007199254740993'),
  RAW('maxMsgs', '1e400'),
  S((s) => { s.persistMode = 'asyncc'; }, '2.12.0'),
  S((s) => { s.persistMode = 'async'; }, '2.12.0'),
  S((s) => { s.persistMode = 'async'; s.storage = 'file'; }, '2.12.0'),
  S((s) => { s.persistMode = 'default'; }, '2.12.0'),
  S((s) => { s.discard = 'new'; s.discardPerSubject = true; }, '2.10.0'),
  S((s) => { s.discard = 'new'; s.discardPerSubject = true; s.maxMsgsPerSubject = 5; }, '2.10.0'),
  S((s) => { s.allowMsgTtl = true; s.subjectDeleteMarkerTtl = '500ms'; }, '2.11.0'),
  S((s) => { s.allowMsgTtl = true; s.subjectDeleteMarkerTtl = '5s'; }, '2.11.0'),
  S((s) => { s.allowMsgCounter = true; s.discard = 'new'; }, '2.12.0'),
  S((s) => { s.allowMsgCounter = true; }, '2.12.0'),
  S((s) => { s.allowMsgSchedules = true; s.discard = 'new'; }, '2.12.0'),
  S((s) => { s.retention = 'interest'; }),
  S((s) => { s.retention = 'workqueue'; }),
  S((s) => { s.denyPurge = true; s.allowRollup = true; }),
  S((s, i) => { s.mirror = { name: `M${i}` }; }),
  S((s, i) => { delete s.subjects; s.mirror = { name: `M${i}` }; }),
  S((s, i) => { delete s.subjects; s.mirror = { name: `M${i}` }; s.firstSequence = 10; }, '2.10.0'),
  S((s, i) => { delete s.subjects; s.mirror = { name: `M.${i}` }; }),
  S((s) => { s.mirrorDirect = true; }),
  S((s, i) => { s.sources = [{ name: `A${i}` }, { name: `A${i}` }]; }),
  S((s, i) => { s.sources = [{ name: `A${i}` }, { name: `B${i}` }]; }),
  S((s, i) => { s.sources = [{ name: `A.${i}` }]; }),
  S((s, i) => { s.republish = { source: `c${i}.>`, destination: `c${i}.x` }; }, '2.10.0'),
  S((s, i) => { s.republish = { source: `c${i}.>`, destination: `r${i}.>` }; }, '2.10.0'),
  S((s, i) => { s.republish = { source: `c${i}.>`, destination: `copy${i}.x` }; }, '2.10.0'),
  S((s, i) => { s.republish = { destination: `copy${i}.>` }; }, '2.10.0'),
  S((s, i) => { s.republish = { source: `c${i}.*`, destination: `copy${i}.{{wildcard(1)}}` }; }, '2.10.0'),
  S((s, i) => { s.republish = { source: `c${i}.*`, destination: `copy${i}.{{wildcard(2)}}` }; }, '2.10.0'),
  S((s, i) => { s.subjectTransform = { source: `c${i}.*`, dest: `t${i}.*` }; }, '2.10.0'),
  S((s, i) => { s.subjectTransform = { source: `c${i}.*.>`, dest: `t${i}.$1.>` }; }, '2.10.0'),
  S((s, i) => { s.subjectTransform = { source: `c${i}.>`, dest: `t${i}.x` }; }, '2.10.0'),
  S((s, i) => { s.sources = [{ name: `A${i}`, subjectTransforms: [{ source: `a${i}.*`, dest: `b${i}.{{wildcard(1)}}` }] }]; }, '2.10.0'),
  S((s, i) => { s.sources = [{ name: `A${i}`, subjectTransforms: [{ source: `a${i}.*`, dest: `b${i}.>` }] }]; }, '2.10.0'),
  S((s) => { s.compression = 's2'; }, '2.10.0'),
  S((s) => { s.metadata = { team: 'core' }; }, '2.10.0'),
  S((s) => { s.firstSequence = 42; }, '2.10.0'),
  S((s) => { s.storage = 'file'; }),
  S((s) => { s.sealed = true; }),
  // a second stream-backed resource beside the first: overlapping or not, clashing names or not
  { apply: (c, i) => { c.extra.push({ kind: 'Stream', spec: { name: `T${i}`, subjects: [`c${i}.x`] } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'Stream', spec: { name: `T${i}`, subjects: [`t${i}.>`] } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'Stream', spec: { name: `T${i}` } }); } },
  { apply: (c, i) => { c.stream.sources = [{ name: `T${i}` }]; c.extra.push({ kind: 'Stream', spec: { name: `T${i}`, subjects: [`t${i}.>`], sources: [{ name: `S${i}` }] } }); } },
  { apply: (c, i) => { c.stream.sources = [{ name: `S${i}` }]; } },
  { apply: (c, i) => { c.stream.maxMsgSize = 1024; c.extra.push({ kind: 'Stream', spec: { name: `T${i}`, mirror: { name: `S${i}` }, maxMsgSize: 512 } }); } },
  { apply: (c, i) => { c.stream.maxMsgSize = 1024; c.extra.push({ kind: 'Stream', spec: { name: `T${i}`, subjects: [`t${i}.>`], sources: [{ name: `S${i}` }], maxMsgSize: 2048 } }); } },
  { apply: (c, i) => { c.stream.sources = [{ name: `T${i}`, filterSubject: `t${i}.x` }]; c.extra.push({ kind: 'Stream', spec: { name: `T${i}`, subjects: [`t${i}.>`], sources: [{ name: `S${i}`, filterSubject: `c${i}.x` }] } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'Stream', spec: { name: `T${i}`, sources: [{ name: `S${i}`, filterSubject: `c${i}.a` }] } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'Stream', spec: { name: `c${i}` } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}` } }, { kind: 'Stream', spec: { name: `KV_b${i}`, subjects: [`k${i}.>`] } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}` } }, { kind: 'Stream', spec: { name: `U${i}`, subjects: [`$KV.b${i}.>`] } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}` } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'ObjectStore', spec: { bucket: `o${i}` } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'ObjectStore', spec: { bucket: `o${i}`, ttl: '10ms' } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}`, ttl: '50ms' } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}`, ttl: '1s', history: 5 } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}`, republish: { source: `$KV.b${i}.>`, destination: `$KV.b${i}.x` } } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}`, republish: { source: `$KV.b${i}.>`, destination: `r${i}.>` } } }); } },
  // a sourced bucket maps its keys with a subject transform (2.10+)
  { since: '2.10.0', apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}`, sources: [{ name: `a.${i}` }] } }); } },
  { since: '2.10.0', apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}`, sources: [{ name: `a${i}` }] } }); } },
  { apply: (c, i) => { c.extra.push({ kind: 'KeyValue', spec: { bucket: `b${i}`, description: 'd'.repeat(4097) } }); } },
  S((s) => { s.allowBatched = true; }, '2.14.0'),
  S((s, i) => { delete s.subjects; s.mirror = { name: `M${i}` }; s.allowBatched = true; }, '2.14.0'),
  S((s, i) => { s.sources = [{ name: `A${i}`, consumer: { name: `k${i}`, deliverSubject: `through${i}` } }]; }, '2.14.0'),
  S((s, i) => { s.sources = [{ name: `A${i}`, filterSubject: `a${i}.x`, consumer: { name: `k${i}`, deliverSubject: `through${i}` } }]; }, '2.14.0'),
  S((s, i) => { s.sources = [{ name: `A${i}`, consumer: { name: `k${i}`, deliverSubject: `through${i}.*` } }]; }, '2.14.0'),
  S((s, i) => { delete s.subjects; s.mirror = { name: `M${i}`, consumer: { name: `k${i}`, deliverSubject: `through${i}` } }; }, '2.14.0'),
  S((s, i) => { delete s.subjects; s.mirror = { name: `M${i}`, optStartSeq: 3, consumer: { name: `k${i}`, deliverSubject: `through${i}` } }; }, '2.14.0'),
];

const consumerMutations: Mutation[] = [
  C((k, i) => { k.durableName = `d.${i}`; }),
  C((k, i) => { k.durableName = `d ${i}`; }),
  C((k, i) => { k.durableName = `d${i}`.padEnd(256, 'x'); }),
  C((k, i) => { k.filterSubject = `c${i}..x`; }),
  C((k, i) => { k.filterSubject = `c${i}.a`; }),
  C((k, i) => { k.filterSubject = `other${i}.x`; }),
  C((k, i) => { k.filterSubject = `c${i}.>.a`; }),
  C((k, i) => { k.filterSubjects = [`c${i}.a`, `c${i}.*`]; }, '2.10.0'),
  C((k, i) => { k.filterSubjects = [`c${i}.a`, `c${i}.b`]; }, '2.10.0'),
  C((k) => { k.heartbeatInterval = '5s'; }),
  C((k) => { k.flowControl = true; }),
  C((k) => { k.rateLimitBps = 1000; }),
  C((k) => { k.maxWaiting = 10; }),
  C((k, i) => { k.deliverSubject = `out${i}.*`; }),
  C((k, i) => { k.deliverSubject = `out${i}`; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.maxWaiting = 10; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.heartbeatInterval = '50ms'; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.flowControl = true; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.flowControl = true; k.heartbeatInterval = '2s'; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.ackPolicy = 'none'; k.maxAckPending = 10; }),
  C((k, i) => { k.deliverSubject = `c${i}.push`; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.deliverGroup = 'g'; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.deliverGroup = 'g'; k.heartbeatInterval = '5s'; }),
  C((k, i) => { k.deliverSubject = `out${i}`; k.deliverGroup = 'g'; k.flowControl = true; k.heartbeatInterval = '5s'; }),
  C((k) => { k.deliverGroup = 'g'; }),
  C((k) => { k.ackPolicy = 'none'; }),
  C((k) => { k.ackWait = ''; }),
  C((k) => { k.ackWait = '10s'; }),
  C((k) => { k.backoff = ['1s', '2s']; k.maxDeliver = 1; }),
  C((k) => { k.deliverPolicy = 'byStartTime'; k.optStartTime = '2026-13-45T99:99:99Z'; }),
  C((k) => { k.deliverPolicy = 'byStartTime'; k.optStartTime = '2026-02-30T10:00:00Z'; }),
  C((k) => { k.deliverPolicy = 'byStartTime'; k.optStartTime = '2026-01-02T15:04:05Z'; }),
  C((k) => { k.deliverPolicy = 'new'; }),
  C((k) => { k.optStartSeq = 5; }),
  C((k) => { k.maxRequestExpires = '500us'; }),
  C((k) => { k.maxRequestBatch = 10; }),
  C((k) => { k.inactiveThreshold = '1h'; }),
  C((k) => { k.replicas = 2; }),
  C((k) => { k.description = 'd'.repeat(4097); }),
  C((k) => { k.priorityPolicy = 'overflow'; k.priorityGroups = ['this-name-is-too-long-for-a-group']; }, '2.11.0'),
  C((k) => { k.priorityPolicy = 'overflow'; k.priorityGroups = ['g1']; }, '2.11.0'),
  C((k) => { k.priorityPolicy = 'overflow'; k.priorityGroups = ['a/b']; }, '2.11.0'),
  C((k) => { k.priorityPolicy = 'pinned_client'; k.priorityGroups = ['g=1']; k.pinnedTtl = '2m'; }, '2.11.0'),
  C((k) => { k.ackPolicy = 'flow_control'; }, '2.14.0'),
  C((k, i) => { k.deliverSubject = `out${i}`; k.ackPolicy = 'flow_control'; }, '2.14.0'),
  C((k, i) => { k.deliverSubject = `out${i}`; k.ackPolicy = 'flow_control'; k.heartbeatInterval = '1s'; k.maxAckPending = 10; }, '2.14.0'),
  C((k, i) => { k.deliverSubject = `out${i}`; k.ackPolicy = 'flow_control'; k.ackWait = '10s'; }, '2.14.0'),
  C((k, i) => { k.deliverSubject = `out${i}`; k.ackPolicy = 'flow_control'; k.heartbeatInterval = '5s'; }, '2.14.0'),
  C((k, i) => { k.deliverSubject = `out${i}`; k.ackPolicy = 'flow_control'; k.maxDeliver = 3; }, '2.14.0'),
  { apply: (c, i) => { c.consumers.push({ streamName: c.stream.name, durableName: `e${i}`, ackPolicy: 'explicit' }); } },
  { apply: (c, i) => { c.consumers.push({ streamName: c.stream.name, durableName: `e${i}`, ackPolicy: 'explicit', filterSubject: `c${i}.b` }); } },
];

function generate(rand: () => number, i: number, version: string): Case {
  const c: Case = {
    stream: { name: `S${i}`, subjects: [`c${i}.>`], storage: 'memory' },
    consumers: [],
    extra: [],
    raw: {},
  };
  const usable = (m: Mutation) => !m.since || compareVersions(version, m.since) >= 0;
  const pick = (ms: Mutation[]) => { const u = ms.filter(usable); return u[Math.floor(rand() * u.length)]; };
  // none, one or two mutations of each: about half of the sets stay valid
  const count = () => (rand() < 0.3 ? 0 : rand() < 0.8 ? 1 : 2);
  for (let j = count(); j > 0; j--) pick(streamMutations).apply(c, i);
  if (rand() < 0.7) {
    c.consumers.push({ streamName: c.stream.name, durableName: `d${i}`, ackPolicy: 'explicit' });
    for (let j = count(); j > 0; j--) pick(consumerMutations).apply(c, i);
  }
  return c;
}

function manifest(c: Case): string {
  const doc = (kind: string, name: string, spec: Spec) => stringify({ apiVersion: 'jetstream.nats.io/v1beta2', kind, metadata: { name }, spec });
  let text = [
    doc('Stream', 'stream', c.stream),
    ...c.consumers.map((k, j) => doc('Consumer', `consumer-${j}`, k)),
    ...c.extra.map((x, j) => doc(x.kind, `extra-${j}`, x.spec)),
  ].join('---\n');
  for (const [field, raw] of Object.entries(c.raw)) text = text.replace(`@@${field}@@`, raw);
  return text;
}

describe('validate accepts => nats-server accepts the create', () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let version = '0.0.0';

  before(async () => {
    cluster = await startTestCluster(1);
    nc = await connect({ servers: cluster.urls });
    version = nc.info?.version ?? version;
    jsm = await jetstreamManager(nc);
    // One file stream that stays for the whole run and stores no subject (a mirror of nothing):
    // without it, deleting the last stream removes the account's store directory while the next
    // create makes it again, and the server sometimes fails that create (10049, a store race).
    const keeper = await request('$JS.API.STREAM.CREATE.KEEPER', { name: 'KEEPER', storage: 'file', mirror: { name: 'NOTHING' } });
    assert.equal(keeper.error, undefined);
  });

  after(async () => {
    await nc?.close();
    await cluster?.stop({ purge: true });
  });

  async function request(subject: string, body: unknown): Promise<{ error?: { err_code?: number; description?: string }; config?: Record<string, unknown> }> {
    const m = await nc.request(subject, JSON.stringify(body), { timeout: 5000 });
    return m.json();
  }

  /** Creates every resource of a validated set as apply does; the refusals, in words. */
  async function create(resources: Resource[]): Promise<string[]> {
    const refused: string[] = [];
    for (const r of resources) {
      const config = kindByName(r.kind)!.toApi(r.spec);
      const t = r.target!;
      try {
        const stored = t.type === 'stream'
          ? (await jsm.streams.add(config as unknown as StreamConfig)).config
          : (await jsm.consumers.add(t.stream, config as unknown as ConsumerConfig, { action: 'create' } as never)).config;
        // what the server stored must plan as no change (apply checks the same after each write)
        const drift = diffConfigs(kindByName(r.kind)!, config, stored as unknown as Record<string, unknown>);
        if (drift.length) refused.push(`${r.key}: stored differently: ${drift.map((f) => `${f.apiField} ${JSON.stringify(f.to)} -> ${JSON.stringify(f.from)}`).join(', ')}`);
      } catch (e) {
        const api = e as { api_error?: { err_code?: number }; message?: string };
        refused.push(`${r.key}: ${api.api_error?.err_code ?? 'client'} ${api.message}`);
      }
    }
    return refused;
  }

  async function cleanup(resources: Resource[]): Promise<void> {
    for (const r of resources) if (r.target?.type === 'stream') await request(`$JS.API.STREAM.DELETE.${kindByName(r.kind)!.toApi(r.spec).name}`, {});
  }

  test(`${CASES} generated manifest sets (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const mismatches: string[] = [];
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < CASES; i++) {
      const c = generate(rand, i, version);
      const text = manifest(c);
      // 2.9 also checks filters against the subjects of the streams a stream sources or mirrors
      // when they exist on the server; validate checks them only when they are declared beside it
      if (compareVersions(version, '2.10.0') < 0 && (c.stream.sources || c.stream.mirror) && c.consumers.some((k) => k.filterSubject || k.filterSubjects)) continue;
      const v = validateDocuments(parseManifests(text, `case-${i}.yaml`));
      if (v.errors.length) {
        rejected++;
        continue;
      }
      // sealing is an update of an existing stream: validate warns that a create would be refused
      if (v.warnings.some((w) => w.field === 'spec.sealed')) continue;
      accepted++;
      const refused = await create(v.resources);
      await cleanup(v.resources);
      if (refused.length) mismatches.push(`case ${i} (server ${version}): ${refused.join('; ')}\n${text}`);
    }
    assert.deepEqual(mismatches, []);
    // the generator exercises both sides
    assert.ok(accepted > CASES / 5, `only ${accepted} of ${CASES} sets validated`);
    assert.ok(rejected > CASES / 5, `only ${rejected} of ${CASES} sets were refused by validate`);
  });
});
