import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { objectStoreKind, objectStoreSchema, type ObjectStoreSpecInput } from '../../src/resources/objectstore/index.js';
import type { ApiConfig } from '../../src/resources/kind.js';

const S = 1_000_000_000;
const TWO_MINUTES = 120 * S;

const api = (spec: ObjectStoreSpecInput): ApiConfig => objectStoreKind.toApi(objectStoreSchema.parse(spec));

function issues(spec: unknown): { path: string; code: string; message: string }[] {
  const r = objectStoreSchema.safeParse(spec);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
}

/** Stream configs of stores created by nats.go v1.53.1 CreateObjectStore on nats-server 2.15.2. */
const META = { '_nats.level': '5', '_nats.req.level': '0', '_nats.ver': '2.15.2' };
const LIVE = {
  minimal: {
    name: 'OBJ_files', subjects: ['$O.files.C.>', '$O.files.M.>'], retention: 'limits', max_consumers: -1, max_msgs: -1,
    max_bytes: -1, discard: 'new', max_age: 0, max_msgs_per_subject: -1, max_msg_size: -1, storage: 'file',
    num_replicas: 1, duplicate_window: TWO_MINUTES, allow_rollup_hdrs: true, compression: 'none', allow_direct: true,
    mirror_direct: false, consumer_limits: {}, metadata: META,
  },
  rich: {
    name: 'OBJ_assets', description: 'assets', subjects: ['$O.assets.C.>', '$O.assets.M.>'], retention: 'limits',
    max_consumers: -1, max_msgs: -1, max_bytes: 1073741824, discard: 'new', max_age: 90 * S, max_msgs_per_subject: -1,
    max_msg_size: -1, storage: 'memory', num_replicas: 1, duplicate_window: 90 * S, allow_rollup_hdrs: true,
    compression: 's2', allow_direct: true, mirror_direct: false, consumer_limits: {}, metadata: { ...META, team: 'web' },
  },
} satisfies Record<string, ApiConfig>;

describe('ObjectStore toApi: a store is the stream OBJ_<bucket>', () => {
  it('a minimal store gets the chunk and meta subjects and the fixed settings nats.go uses', () => {
    assert.deepEqual(api({ bucket: 'files' }), {
      name: 'OBJ_files',
      subjects: ['$O.files.C.>', '$O.files.M.>'],
      retention: 'limits',
      max_consumers: -1,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      max_msgs_per_subject: -1,
      max_msg_size: -1,
      discard: 'new',
      storage: 'file',
      num_replicas: 1,
      allow_rollup_hdrs: true,
      allow_direct: true,
    });
  });

  const cases: { name: string; spec: Omit<ObjectStoreSpecInput, 'bucket'>; expect: ApiConfig; absent?: string[] }[] = [
    { name: 'description is copied', spec: { description: 'blobs' }, expect: { description: 'blobs' } },
    { name: 'ttl maps to max_age', spec: { ttl: '72h' }, expect: { max_age: 72 * 3600 * S } },
    { name: 'no duplicate window is sent (the server picks it)', spec: { ttl: '30s' }, expect: {}, absent: ['duplicate_window'] },
    { name: 'maxBytes maps to max_bytes', spec: { maxBytes: 1 << 30 }, expect: { max_bytes: 1 << 30 } },
    { name: 'maxBytes 0 becomes unlimited (-1)', spec: { maxBytes: 0 }, expect: { max_bytes: -1 } },
    { name: 'storage memory', spec: { storage: 'memory' }, expect: { storage: 'memory' } },
    { name: 'replicas maps to num_replicas', spec: { replicas: 3 }, expect: { num_replicas: 3 } },
    { name: 'placement is copied', spec: { placement: { cluster: 'west' } }, expect: { placement: { cluster: 'west' } } },
    { name: 'compression true becomes "s2"', spec: { compression: true }, expect: { compression: 's2' } },
    { name: 'compression false sends no compression', spec: { compression: false }, expect: {}, absent: ['compression'] },
    { name: 'metadata is copied', spec: { metadata: { team: 'web' } }, expect: { metadata: { team: 'web' } } },
    { name: 'empty metadata is not sent', spec: { metadata: {} }, expect: {}, absent: ['metadata'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = api({ bucket: 'files', ...c.spec });
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(out[k], v, k);
      for (const k of c.absent ?? []) assert.equal(k in out, false, `${k} should be absent`);
    });
  }

  it('the server duplicate window default is filled in on both sides of a diff', () => {
    assert.equal(objectStoreKind.normalise(api({ bucket: 'files', ttl: '30s' })).duplicate_window, 30 * S);
    assert.equal(objectStoreKind.normalise(api({ bucket: 'files' })).duplicate_window, TWO_MINUTES);
  });
});

describe('ObjectStore toApi matches what nats.go (NACK) creates', () => {
  it('the minimal store normalises equal to the live stream', () => {
    assert.deepEqual(objectStoreKind.normalise(api({ bucket: 'files' })), objectStoreKind.normalise(LIVE.minimal));
  });
  it('the rich store normalises equal to the live stream', () => {
    const spec: ObjectStoreSpecInput = {
      bucket: 'assets', description: 'assets', ttl: '90s', maxBytes: 1 << 30, storage: 'memory', compression: true, metadata: { team: 'web' },
    };
    assert.deepEqual(objectStoreKind.normalise(api(spec)), objectStoreKind.normalise(LIVE.rich));
  });
  it('different user metadata shows up as a difference', () => {
    const spec: ObjectStoreSpecInput = {
      bucket: 'assets', description: 'assets', ttl: '90s', maxBytes: 1 << 30, storage: 'memory', compression: true, metadata: { team: 'api' },
    };
    assert.notDeepEqual(objectStoreKind.normalise(api(spec)), objectStoreKind.normalise(LIVE.rich));
  });
});

describe('ObjectStore fromApi', () => {
  it('a minimal store exports as just its bucket name', () => {
    assert.deepEqual(objectStoreKind.fromApi(LIVE.minimal), { bucket: 'files' });
  });
  it('a rich store exports every setting, without server metadata', () => {
    assert.deepEqual(objectStoreKind.fromApi(LIVE.rich), {
      bucket: 'assets', description: 'assets', ttl: '1m30s', maxBytes: 1073741824, storage: 'memory', compression: true, metadata: { team: 'web' },
    });
  });
  for (const [name, live] of Object.entries(LIVE)) {
    it(`the ${name} store round-trips: toApi(parse(fromApi(c))) normalises equal to c`, () => {
      const back = objectStoreKind.toApi(objectStoreSchema.parse(objectStoreKind.fromApi(live)));
      assert.deepEqual(objectStoreKind.normalise(back), objectStoreKind.normalise(live));
    });
  }
  it('a replicated, placed store round-trips', () => {
    const live = api({ bucket: 'r3', replicas: 3, placement: { cluster: 'c1', tags: ['a', 'b'] }, ttl: '24h' });
    const exported = objectStoreKind.fromApi({ ...live, metadata: { ...META, 'jetkeeper.io/owner': 'x' } });
    assert.deepEqual(exported, { bucket: 'r3', replicas: 3, placement: { cluster: 'c1', tags: ['a', 'b'] }, ttl: '24h' });
    assert.deepEqual(objectStoreKind.normalise(api(exported as ObjectStoreSpecInput)), objectStoreKind.normalise(live));
  });
});

describe('ObjectStore schema', () => {
  it('applies the CRD defaults', () => {
    const s = objectStoreSchema.parse({ bucket: 'files' });
    assert.equal(s.replicas, 1);
    assert.equal(s.preventDelete, false);
    assert.deepEqual(s.servers, []);
  });

  it('accepts a NACK ObjectStore spec with every field', () => {
    assert.deepEqual(issues({
      bucket: 'files', description: 'd', ttl: '1h', maxBytes: 1024, storage: 'memory', replicas: 3,
      placement: { cluster: 'c', tags: ['t'] }, compression: true, metadata: { a: 'b' },
      account: 'acc', creds: '', nkey: '', preventDelete: false, preventUpdate: true, servers: [],
      tls: { rootCas: ['/ca'] }, tlsFirst: false, jsDomain: 'leaf',
    }), []);
  });

  const errors: { name: string; spec: Record<string, unknown>; path: string; code?: string }[] = [
    { name: 'an unknown field is an error', spec: { bucket: 'files', history: 3 }, path: '', code: 'unrecognized_keys' },
    { name: 'mirror is not an ObjectStore field', spec: { bucket: 'files', mirror: { name: 'x' } }, path: '', code: 'unrecognized_keys' },
    { name: 'a bucket name with a dot is an error', spec: { bucket: 'a.b' }, path: 'bucket' },
    { name: 'a missing bucket is an error', spec: {}, path: 'bucket' },
    { name: 'a bad ttl is an error', spec: { bucket: 'files', ttl: '1 hour' }, path: 'ttl' },
    { name: 'compression as a string is an error', spec: { bucket: 'files', compression: 's2' }, path: 'compression' },
    { name: 'a non-string metadata value is an error', spec: { bucket: 'files', metadata: { a: 1 } }, path: 'metadata.a' },
    { name: 'replicas 0 is an error', spec: { bucket: 'files', replicas: 0 }, path: 'replicas' },
  ];
  for (const e of errors) {
    it(e.name, () => {
      const at = issues(e.spec).filter((i) => i.path === e.path);
      assert.ok(at.length > 0, `expected an issue at "${e.path}", got ${JSON.stringify(issues(e.spec))}`);
      if (e.code) assert.ok(at.some((i) => i.code === e.code));
    });
  }
});

describe('ObjectStore kind', () => {
  it('targets the OBJ_ stream of its bucket', () => {
    assert.deepEqual(objectStoreKind.target(objectStoreSchema.parse({ bucket: 'files' })), { type: 'stream', stream: 'OBJ_files' });
  });
  it('claims OBJ_ streams and nothing else', () => {
    assert.equal(objectStoreKind.claims?.({ name: 'OBJ_files' }), true);
    assert.equal(objectStoreKind.claims?.({ name: 'KV_files' }), false);
    assert.equal(objectStoreKind.claims?.({ name: 'files' }), false);
  });
  it('is found by its plural and aliases', () => {
    assert.equal(objectStoreKind.kind, 'ObjectStore');
    assert.equal(objectStoreKind.plural, 'objectstores');
    assert.deepEqual([...objectStoreKind.aliases].sort(), ['obj', 'objectstore', 'objectstores', 'os']);
  });
  it('cannot change storage in place and gates compression and metadata on 2.10', () => {
    assert.ok(objectStoreKind.immutable.some((r) => r.field === 'storage'));
    const since = Object.fromEntries(objectStoreKind.features.map((f) => [f.field, f.since]));
    assert.deepEqual(since, { compression: '2.10.0', metadata: '2.10.0' });
  });
  it('names API fields by their ObjectStore spec fields', () => {
    assert.equal(objectStoreKind.specFields.max_age, 'ttl');
    assert.equal(objectStoreKind.specFields.max_bytes, 'maxBytes');
    assert.equal(objectStoreKind.specFields.num_replicas, 'replicas');
    assert.ok(objectStoreKind.durationFields.includes('max_age'));
  });
});
