import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyValueKind, keyValueSchema, type KeyValueSpecInput } from '../../src/resources/keyvalue/index.js';
import { deepEqual, type ApiConfig } from '../../src/resources/kind.js';

const S = 1_000_000_000;
const TWO_MINUTES = 120 * S;

const api = (spec: KeyValueSpecInput): ApiConfig => keyValueKind.toApi(keyValueSchema.parse(spec));

/** The issues zod reports for a spec, as `path: message` lines (empty when the spec is valid). */
function issues(spec: unknown): { path: string; code: string; message: string; keys?: string[] }[] {
  const r = keyValueSchema.safeParse(spec);
  if (r.success) return [];
  return r.error.issues.map((i) => ({
    path: i.path.join('.'),
    code: i.code,
    message: i.message,
    keys: 'keys' in i ? (i.keys as string[]) : undefined,
  }));
}

/** Stream configs of buckets created by nats.go v1.53.1 CreateKeyValue on nats-server 2.15.2 (as NACK stores them). */
const META = { '_nats.level': '5', '_nats.req.level': '0', '_nats.ver': '2.15.2' };
const LIVE = {
  minimal: {
    name: 'KV_minimal', subjects: ['$KV.minimal.>'], retention: 'limits', max_consumers: -1, max_msgs: -1, max_bytes: -1,
    discard: 'new', max_age: 0, max_msgs_per_subject: 1, max_msg_size: -1, storage: 'file', num_replicas: 1,
    duplicate_window: TWO_MINUTES, deny_delete: true, allow_rollup_hdrs: true, compression: 'none', allow_direct: true,
    mirror_direct: false, consumer_limits: {}, metadata: META,
  },
  rich: {
    name: 'KV_rich', description: 'rich bucket', subjects: ['$KV.rich.>'], retention: 'limits', max_consumers: -1,
    max_msgs: -1, max_bytes: 1048576, discard: 'new', max_age: 30 * S, max_msgs_per_subject: 10, max_msg_size: 1024,
    storage: 'memory', num_replicas: 1, duplicate_window: 30 * S, deny_delete: true, allow_rollup_hdrs: true,
    compression: 's2', republish: { src: '>', dest: 'repub.>' }, allow_direct: true, mirror_direct: false,
    consumer_limits: {}, metadata: { ...META, '_nats.req.level': '1' }, allow_msg_ttl: true, subject_delete_marker_ttl: 5 * S,
  },
  mirror: {
    name: 'KV_replica', retention: 'limits', max_consumers: -1, max_msgs: -1, max_bytes: -1, discard: 'new', max_age: 0,
    max_msgs_per_subject: 1, max_msg_size: -1, storage: 'file', num_replicas: 1, duplicate_window: TWO_MINUTES,
    mirror: { name: 'KV_rich', opt_start_seq: 1 }, deny_delete: true, allow_rollup_hdrs: true, compression: 'none',
    allow_direct: true, mirror_direct: true, consumer_limits: {}, metadata: META,
  },
  sources: {
    name: 'KV_agg', subjects: ['$KV.agg.>'], retention: 'limits', max_consumers: -1, max_msgs: -1, max_bytes: -1,
    discard: 'new', max_age: 0, max_msgs_per_subject: 1, max_msg_size: -1, storage: 'file', num_replicas: 1,
    duplicate_window: TWO_MINUTES,
    sources: [
      { name: 'KV_minimal', subject_transforms: [{ src: '$KV.minimal.>', dest: '$KV.agg.>' }] },
      { name: 'KV_longttl', opt_start_time: '2026-01-02T15:04:05Z', subject_transforms: [{ src: '$KV.longttl.>', dest: '$KV.agg.>' }] },
      { name: 'KV_agg', external: { api: '$JS.hub.API', deliver: '' } },
      { name: 'KV_other', subject_transforms: [{ src: '$KV.other.>', dest: '$KV.agg.>' }], external: { api: '$JS.hub.API', deliver: 'deliver.hub' } },
      { name: 'ORDERS', subject_transforms: [{ src: 'orders.>', dest: '$KV.agg.orders.>' }] },
    ],
    deny_delete: true, allow_rollup_hdrs: true, compression: 'none', allow_direct: true, mirror_direct: false,
    consumer_limits: {}, metadata: META,
  },
} satisfies Record<string, ApiConfig>;

describe('KeyValue toApi: a bucket is the stream KV_<bucket>', () => {
  it('a minimal bucket gets the stream config nats.go builds, with every fixed setting', () => {
    assert.deepEqual(api({ bucket: 'cfg' }), {
      name: 'KV_cfg',
      subjects: ['$KV.cfg.>'],
      retention: 'limits',
      max_consumers: -1,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      max_msgs_per_subject: 1,
      max_msg_size: -1,
      discard: 'new',
      storage: 'file',
      num_replicas: 1,
      duplicate_window: TWO_MINUTES,
      deny_delete: true,
      allow_rollup_hdrs: true,
      allow_direct: true,
    });
  });

  const cases: { name: string; spec: Omit<KeyValueSpecInput, 'bucket'>; expect: ApiConfig; absent?: string[] }[] = [
    { name: 'description is copied', spec: { description: 'app config' }, expect: { description: 'app config' } },
    { name: 'history 0 becomes 1', spec: { history: 0 }, expect: { max_msgs_per_subject: 1 } },
    { name: 'history 5 keeps 5 values per key', spec: { history: 5 }, expect: { max_msgs_per_subject: 5 } },
    { name: 'history 64 is the maximum', spec: { history: 64 }, expect: { max_msgs_per_subject: 64 } },
    { name: 'ttl above 2m sets max_age and caps the duplicate window at 2m', spec: { ttl: '1h' }, expect: { max_age: 3600 * S, duplicate_window: TWO_MINUTES } },
    { name: 'ttl below 2m is also the duplicate window', spec: { ttl: '30s' }, expect: { max_age: 30 * S, duplicate_window: 30 * S } },
    { name: 'ttl of exactly 2m gives a 2m duplicate window', spec: { ttl: '2m' }, expect: { max_age: TWO_MINUTES, duplicate_window: TWO_MINUTES } },
    { name: 'ttl "0" means no expiry and a 2m duplicate window', spec: { ttl: '0' }, expect: { max_age: 0, duplicate_window: TWO_MINUTES } },
    { name: 'ttl "" means no expiry', spec: { ttl: '' }, expect: { max_age: 0, duplicate_window: TWO_MINUTES } },
    { name: 'maxValueSize maps to max_msg_size', spec: { maxValueSize: 4096 }, expect: { max_msg_size: 4096 } },
    { name: 'maxValueSize 0 becomes unlimited (-1)', spec: { maxValueSize: 0 }, expect: { max_msg_size: -1 } },
    { name: 'maxBytes maps to max_bytes', spec: { maxBytes: 1 << 20 }, expect: { max_bytes: 1 << 20 } },
    { name: 'maxBytes 0 becomes unlimited (-1)', spec: { maxBytes: 0 }, expect: { max_bytes: -1 } },
    { name: 'storage memory', spec: { storage: 'memory' }, expect: { storage: 'memory' } },
    { name: 'storage file', spec: { storage: 'file' }, expect: { storage: 'file' } },
    { name: 'replicas maps to num_replicas', spec: { replicas: 3 }, expect: { num_replicas: 3 } },
    { name: 'compression true becomes "s2"', spec: { compression: true }, expect: { compression: 's2' } },
    { name: 'compression false sends no compression', spec: { compression: false }, expect: {}, absent: ['compression'] },
    {
      name: 'limitMarkerTtl is integer nanoseconds and turns on message TTLs',
      spec: { limitMarkerTtl: 5 * S },
      expect: { allow_msg_ttl: true, subject_delete_marker_ttl: 5 * S },
    },
    { name: 'limitMarkerTtl 0 leaves message TTLs off', spec: { limitMarkerTtl: 0 }, expect: {}, absent: ['allow_msg_ttl', 'subject_delete_marker_ttl'] },
    { name: 'placement is copied', spec: { placement: { cluster: 'east', tags: ['ssd'] } }, expect: { placement: { cluster: 'east', tags: ['ssd'] } } },
    {
      name: 'republish maps source/destination to src/dest',
      spec: { republish: { source: '$KV.cfg.>', destination: 'events.cfg.>' } },
      expect: { republish: { src: '$KV.cfg.>', dest: 'events.cfg.>' } },
    },
    {
      name: 'a mirror gets the KV_ prefix, mirror_direct and no subjects',
      spec: { mirror: { name: 'origin' } },
      expect: { mirror: { name: 'KV_origin' }, mirror_direct: true },
      absent: ['subjects'],
    },
    {
      name: 'a mirror already named KV_ is not prefixed twice',
      spec: { mirror: { name: 'KV_origin', optStartSeq: 10 } },
      expect: { mirror: { name: 'KV_origin', opt_start_seq: 10 }, mirror_direct: true },
    },
    {
      name: "a source bucket gets the KV_ prefix and its subjects are mapped onto this bucket's",
      spec: { sources: [{ name: 'a' }] },
      expect: {
        subjects: ['$KV.cfg.>'],
        sources: [{ name: 'KV_a', subject_transforms: [{ src: '$KV.a.>', dest: '$KV.cfg.>' }] }],
      },
    },
    {
      name: 'a source named KV_ keeps its name and still gets the transform',
      spec: { sources: [{ name: 'KV_a', filterSubject: '$KV.a.x' }] },
      expect: { sources: [{ name: 'KV_a', filter_subject: '$KV.a.x', subject_transforms: [{ src: '$KV.a.>', dest: '$KV.cfg.>' }] }] },
    },
    {
      name: 'an external source of the same bucket name gets no transform',
      spec: { sources: [{ name: 'cfg', externalApiPrefix: '$JS.hub.API' }] },
      expect: { sources: [{ name: 'KV_cfg', external: { api: '$JS.hub.API' } }] },
    },
    {
      name: 'an external source of another bucket still gets the transform',
      spec: { sources: [{ name: 'b', externalApiPrefix: '$JS.hub.API', externalDeliverPrefix: 'dlv' }] },
      expect: {
        sources: [{ name: 'KV_b', external: { api: '$JS.hub.API', deliver: 'dlv' }, subject_transforms: [{ src: '$KV.b.>', dest: '$KV.cfg.>' }] }],
      },
    },
    {
      name: 'a source with its own transforms is used as is (no KV_ prefix, no added transform)',
      spec: { sources: [{ name: 'ORDERS', subjectTransforms: [{ source: 'orders.>', dest: '$KV.cfg.orders.>' }] }] },
      expect: { sources: [{ name: 'ORDERS', subject_transforms: [{ src: 'orders.>', dest: '$KV.cfg.orders.>' }] }] },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const out = api({ bucket: 'cfg', ...c.spec });
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(out[k], v, k);
      for (const k of c.absent ?? []) assert.equal(k in out, false, `${k} should be absent`);
    });
  }

  it('connection fields never reach the stream config', () => {
    const out = api({ bucket: 'cfg', servers: ['nats://a:4222'], creds: '/c', account: 'acc', preventDelete: true, jsDomain: 'hub' });
    assert.deepEqual(out, api({ bucket: 'cfg' }));
  });
});

describe('KeyValue toApi matches what nats.go (NACK) creates', () => {
  const pairs: [keyof typeof LIVE, KeyValueSpecInput][] = [
    ['minimal', { bucket: 'minimal' }],
    ['rich', {
      bucket: 'rich', description: 'rich bucket', maxValueSize: 1024, history: 10, ttl: '30s', limitMarkerTtl: 5 * S,
      maxBytes: 1 << 20, storage: 'memory', republish: { source: '>', destination: 'repub.>' }, compression: true,
    }],
    ['mirror', { bucket: 'replica', mirror: { name: 'rich', optStartSeq: 1 } }],
    ['sources', { bucket: 'agg', sources: [
      { name: 'minimal' },
      { name: 'KV_longttl', optStartTime: '2026-01-02T15:04:05Z' },
      { name: 'agg', externalApiPrefix: '$JS.hub.API' },
      { name: 'other', externalApiPrefix: '$JS.hub.API', externalDeliverPrefix: 'deliver.hub' },
      { name: 'ORDERS', subjectTransforms: [{ source: 'orders.>', dest: '$KV.agg.orders.>' }] },
    ] }],
  ];
  for (const [live, spec] of pairs) {
    it(`the ${live} bucket normalises equal to the live stream`, () => {
      assert.deepEqual(keyValueKind.normalise(api(spec)), keyValueKind.normalise(LIVE[live]));
    });
  }

  it('a changed history shows up as a difference', () => {
    assert.equal(deepEqual(keyValueKind.normalise(api({ bucket: 'minimal', history: 2 })), keyValueKind.normalise(LIVE.minimal)), false);
  });
});

describe('KeyValue fromApi', () => {
  it('a minimal bucket exports as just its bucket name', () => {
    assert.deepEqual(keyValueKind.fromApi(LIVE.minimal), { bucket: 'minimal' });
  });

  it('a rich bucket exports every setting in spec form (limitMarkerTtl as an integer, compression as a bool)', () => {
    assert.deepEqual(keyValueKind.fromApi(LIVE.rich), {
      bucket: 'rich', description: 'rich bucket', maxValueSize: 1024, history: 10, ttl: '30s', limitMarkerTtl: 5 * S,
      maxBytes: 1048576, storage: 'memory', republish: { source: '>', destination: 'repub.>' }, compression: true,
    });
  });

  it('a mirror exports without its KV_ prefix', () => {
    assert.deepEqual(keyValueKind.fromApi(LIVE.mirror), { bucket: 'replica', mirror: { name: 'rich', optStartSeq: 1 } });
  });

  it('generated source transforms are left out, hand-written ones are kept', () => {
    assert.deepEqual(keyValueKind.fromApi(LIVE.sources).sources, [
      { name: 'minimal' },
      { name: 'longttl', optStartTime: '2026-01-02T15:04:05Z' },
      { name: 'agg', externalApiPrefix: '$JS.hub.API' },
      { name: 'other', externalApiPrefix: '$JS.hub.API', externalDeliverPrefix: 'deliver.hub' },
      { name: 'ORDERS', subjectTransforms: [{ source: 'orders.>', dest: '$KV.agg.orders.>' }] },
    ]);
  });

  for (const [name, live] of Object.entries(LIVE)) {
    it(`the ${name} bucket round-trips: toApi(parse(fromApi(c))) normalises equal to c`, () => {
      const exported = keyValueKind.fromApi(live);
      const back = keyValueKind.toApi(keyValueSchema.parse(exported));
      assert.deepEqual(keyValueKind.normalise(back), keyValueKind.normalise(live));
    });
  }

  it('a bucket with a long ttl, replicas and placement round-trips', () => {
    const live = api({ bucket: 'big', ttl: '24h', history: 64, replicas: 3, placement: { tags: ['ssd'] }, maxValueSize: 1 << 16 });
    const exported = keyValueKind.fromApi({ ...live, metadata: META, sealed: false, deny_purge: false });
    assert.deepEqual(exported, { bucket: 'big', ttl: '24h', history: 64, replicas: 3, placement: { tags: ['ssd'] }, maxValueSize: 65536 });
    assert.deepEqual(keyValueKind.normalise(api(exported as KeyValueSpecInput)), keyValueKind.normalise(live));
  });
});

describe('KeyValue schema', () => {
  it('applies the CRD defaults', () => {
    const s = keyValueSchema.parse({ bucket: 'cfg' });
    assert.equal(s.replicas, 1);
    assert.equal(s.preventDelete, false);
    assert.equal(s.preventUpdate, false);
    assert.equal(s.tlsFirst, false);
    assert.deepEqual(s.servers, []);
    assert.equal(s.creds, '');
    assert.equal(s.storage, undefined);
  });

  it('accepts a NACK KeyValue spec with every field', () => {
    const spec = {
      bucket: 'my-kv_1', description: 'd', maxValueSize: 1024, history: 10, ttl: '1h30m', limitMarkerTtl: 60 * S,
      maxBytes: 1 << 20, storage: 'file', replicas: 3, placement: { cluster: 'c', tags: ['t'] },
      republish: { source: '>', destination: 'r.>' }, compression: true,
      sources: [{ name: 'other', optStartSeq: 1, filterSubject: '$KV.other.a', externalApiPrefix: 'x', externalDeliverPrefix: 'y' }],
      account: 'acc', creds: '/creds', nkey: '/seed', preventDelete: true, preventUpdate: false,
      servers: ['nats://n:4222'], tls: { clientCert: '/c', clientKey: '/k', rootCas: ['/ca'] }, tlsFirst: true, jsDomain: 'hub',
    };
    assert.deepEqual(issues(spec), []);
  });

  const errors: { name: string; spec: Record<string, unknown>; path: string; code?: string; match?: RegExp }[] = [
    { name: 'an unknown field is an error', spec: { bucket: 'cfg', maxAge: '1h' }, path: '', code: 'unrecognized_keys' },
    { name: 'an unknown field inside a mirror is an error at the mirror', spec: { bucket: 'cfg', mirror: { name: 'a', bogus: 'x' } }, path: 'mirror', code: 'unrecognized_keys' },
    { name: 'a bucket name with a dot is an error', spec: { bucket: 'my.bucket' }, path: 'bucket', match: /letters, digits/ },
    { name: 'a bucket name with a space is an error', spec: { bucket: 'my bucket' }, path: 'bucket' },
    { name: 'an empty bucket name is an error', spec: { bucket: '' }, path: 'bucket' },
    { name: 'a missing bucket is an error', spec: {}, path: 'bucket' },
    { name: 'history 65 is an error', spec: { bucket: 'cfg', history: 65 }, path: 'history', match: /at most 64/ },
    { name: 'a negative history is an error', spec: { bucket: 'cfg', history: -1 }, path: 'history' },
    { name: 'a fractional history is an error', spec: { bucket: 'cfg', history: 1.5 }, path: 'history' },
    { name: 'a ttl with a day unit is an error', spec: { bucket: 'cfg', ttl: '1d' }, path: 'ttl', match: /24h/ },
    { name: 'limitMarkerTtl as a duration string is an error', spec: { bucket: 'cfg', limitMarkerTtl: '5s' }, path: 'limitMarkerTtl' },
    { name: 'limitMarkerTtl under a second of nanoseconds is an error', spec: { bucket: 'cfg', limitMarkerTtl: 5 }, path: 'limitMarkerTtl', match: /nanoseconds/ },
    { name: 'limitMarkerTtl on a mirror is an error', spec: { bucket: 'cfg', limitMarkerTtl: 5 * S, mirror: { name: 'a' } }, path: 'limitMarkerTtl', match: /mirror/ },
    { name: 'compression as a string is an error (it is a bool for KV)', spec: { bucket: 'cfg', compression: 's2' }, path: 'compression' },
    { name: 'a storage outside the enum is an error', spec: { bucket: 'cfg', storage: 'disk' }, path: 'storage' },
    { name: 'replicas 6 is an error', spec: { bucket: 'cfg', replicas: 6 }, path: 'replicas' },
    { name: 'a mirror with sources is an error', spec: { bucket: 'cfg', mirror: { name: 'a' }, sources: [{ name: 'b' }] }, path: 'sources' },
    { name: 'an account with a dot is an error', spec: { bucket: 'cfg', account: 'a.b' }, path: 'account' },
  ];
  for (const e of errors) {
    it(e.name, () => {
      const found = issues(e.spec);
      const at = found.filter((i) => i.path === e.path);
      assert.ok(at.length > 0, `expected an issue at "${e.path}", got ${JSON.stringify(found)}`);
      if (e.code) assert.ok(at.some((i) => i.code === e.code), JSON.stringify(at));
      if (e.match) assert.ok(at.some((i) => e.match!.test(i.message)), JSON.stringify(at));
    });
  }

  it('names the unknown field', () => {
    const [issue] = issues({ bucket: 'cfg', maxAge: '1h' });
    assert.deepEqual(issue.keys, ['maxAge']);
  });
});

describe('KeyValue kind', () => {
  it('targets the KV_ stream of its bucket', () => {
    assert.deepEqual(keyValueKind.target(keyValueSchema.parse({ bucket: 'cfg' })), { type: 'stream', stream: 'KV_cfg' });
  });

  it('claims KV_ streams and nothing else', () => {
    assert.equal(keyValueKind.claims?.({ name: 'KV_cfg' }), true);
    assert.equal(keyValueKind.claims?.({ name: 'OBJ_cfg' }), false);
    assert.equal(keyValueKind.claims?.({ name: 'ORDERS' }), false);
    assert.equal(keyValueKind.claims?.({ name: 'KVX' }), false);
  });

  it('is found by its plural and aliases', () => {
    assert.equal(keyValueKind.kind, 'KeyValue');
    assert.equal(keyValueKind.plural, 'keyvalues');
    assert.deepEqual([...keyValueKind.aliases].sort(), ['keyvalue', 'keyvalues', 'kv']);
  });

  it('cannot change storage in place, nor turn limit markers off', () => {
    const storage = keyValueKind.immutable.find((r) => r.field === 'storage');
    assert.ok(storage);
    const ttl = keyValueKind.immutable.find((r) => r.field === 'allow_msg_ttl');
    assert.ok(ttl?.when);
    assert.equal(ttl.when(true, false), true);
    assert.equal(ttl.when(false, true), false);
  });

  it('gates compression and metadata on 2.10 and limit markers on 2.11', () => {
    const since = Object.fromEntries(keyValueKind.features.map((f) => [f.field, f.since]));
    assert.equal(since.compression, '2.10.0');
    assert.equal(since.metadata, '2.10.0');
    assert.equal(since.allow_msg_ttl, '2.11.0');
    assert.equal(since.subject_delete_marker_ttl, '2.11.0');
  });

  it('names API fields by their KeyValue spec fields', () => {
    assert.equal(keyValueKind.specFields.max_age, 'ttl');
    assert.equal(keyValueKind.specFields.max_msgs_per_subject, 'history');
    assert.equal(keyValueKind.specFields.max_msg_size, 'maxValueSize');
    assert.equal(keyValueKind.specFields.subject_delete_marker_ttl, 'limitMarkerTtl');
    assert.equal(keyValueKind.specFields.num_replicas, 'replicas');
    assert.ok(keyValueKind.durationFields.includes('max_age'));
    assert.ok(keyValueKind.durationFields.includes('duplicate_window'));
  });
});
