import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  consumerFromApi, consumerKind, consumerSchema, consumerToApi, normaliseConsumer,
} from '../../src/resources/consumer/index.js';
import { deepEqual, type ApiConfig } from '../../src/resources/kind.js';
import { diffConfigs } from '../../src/plan/plan.js';

const S = 1_000_000_000;
const toApi = (spec: Record<string, unknown>): ApiConfig => consumerToApi(consumerSchema.parse(spec));
const base = { streamName: 'ORDERS', durableName: 'c1' };

/** First issue at exactly `path`, or undefined. */
function issueAt(spec: Record<string, unknown>, path: (string | number)[]) {
  const r = consumerSchema.safeParse(spec);
  assert.equal(r.success, false, 'expected a schema error');
  return r.error!.issues.find((i) => deepEqual(i.path, path));
}

/** The immutable rules a change from live to desired trips, by field (as the plan classifies them). */
function refused(live: ApiConfig, desired: ApiConfig): string[] {
  return diffConfigs(consumerKind, desired, live).filter((f) => f.immutable).map((f) => f.apiField);
}

describe('consumer seed manifests', () => {
  const seeds: { name: string; spec: Record<string, unknown>; api: ApiConfig }[] = [
    {
      name: 'fulfillment-created',
      spec: { streamName: 'ORDERS', durableName: 'fulfillment-created', filterSubject: 'orders.created', deliverPolicy: 'all', ackPolicy: 'explicit', ackWait: '30s', maxDeliver: 5 },
      api: { durable_name: 'fulfillment-created', name: 'fulfillment-created', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: 5, filter_subject: 'orders.created', replay_policy: 'instant' },
    },
    {
      name: 'analytics-created',
      spec: { streamName: 'ORDERS', durableName: 'analytics-created', filterSubject: 'orders.created', deliverPolicy: 'all', ackPolicy: 'explicit', ackWait: '30s', maxDeliver: 5 },
      api: { durable_name: 'analytics-created', name: 'analytics-created', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: 5, filter_subject: 'orders.created', replay_policy: 'instant' },
    },
    {
      name: 'pdf-workers',
      spec: { streamName: 'PDF_TASKS', durableName: 'pdf-workers', deliverPolicy: 'all', ackPolicy: 'explicit', ackWait: '60s', maxDeliver: 5 },
      api: { durable_name: 'pdf-workers', name: 'pdf-workers', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 60 * S, max_deliver: 5, replay_policy: 'instant' },
    },
    {
      name: 'order-worker',
      spec: { streamName: 'ORDERS', durableName: 'order-worker', deliverPolicy: 'all', filterSubject: 'orders.created', ackPolicy: 'explicit', ackWait: '30s', maxDeliver: 5, replayPolicy: 'instant' },
      api: { durable_name: 'order-worker', name: 'order-worker', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: 5, filter_subject: 'orders.created', replay_policy: 'instant' },
    },
  ];
  for (const { name, spec, api } of seeds) {
    test(`maps seed consumer ${name} to its ConsumerConfig`, () => {
      assert.deepEqual(toApi(spec), api);
    });
    test(`targets seed consumer ${name} at its stream and durable name`, () => {
      const parsed = consumerSchema.parse(spec);
      assert.deepEqual(consumerKind.target(parsed), { type: 'consumer', stream: spec.streamName, consumer: name });
    });
  }

  test('maps ackWait 30s to 30000000000 ns', () => {
    assert.equal(toApi({ ...base, ackPolicy: 'explicit', ackWait: '30s' }).ack_wait, 30_000_000_000);
  });

  test('seed fulfillment-created as the server reports it normalises equal to its manifest', () => {
    const live = {
      durable_name: 'fulfillment-created', name: 'fulfillment-created', deliver_policy: 'all', ack_policy: 'explicit',
      ack_wait: 30 * S, max_deliver: 5, filter_subject: 'orders.created', replay_policy: 'instant', max_waiting: 512,
      max_ack_pending: 1000, num_replicas: 0, metadata: { '_nats.level': '1', '_nats.ver': '2.15.2', '_nats.req.level': '0' },
    };
    assert.deepEqual(normaliseConsumer(live), normaliseConsumer(toApi(seeds[0].spec)));
  });
});

describe('consumer defaults', () => {
  test('a spec with only identity gets ack policy none, deliver all and replay instant', () => {
    assert.deepEqual(toApi(base), {
      durable_name: 'c1', name: 'c1', deliver_policy: 'all', ack_policy: 'none', replay_policy: 'instant',
    });
  });

  test('does not send ack_wait when ackWait is absent (no 1ns default, nack#136)', () => {
    const spec = consumerSchema.parse({ ...base, ackPolicy: 'explicit' });
    assert.equal(spec.ackWait, undefined);
    assert.equal('ack_wait' in consumerToApi(spec), false);
  });

  test('leaves out fields equal to the server default', () => {
    const api = toApi({ ...base, ackPolicy: 'explicit', maxDeliver: -1, maxAckPending: 1000, maxWaiting: 512, replicas: 0, sampleFreq: '0' });
    assert.deepEqual(Object.keys(api).sort(), ['ack_policy', 'deliver_policy', 'durable_name', 'name', 'replay_policy']);
  });

  test('applies the CRD defaults of the connection fields', () => {
    const spec = consumerSchema.parse(base);
    assert.deepEqual(
      { creds: spec.creds, nkey: spec.nkey, servers: spec.servers, tlsFirst: spec.tlsFirst, preventDelete: spec.preventDelete, preventUpdate: spec.preventUpdate },
      { creds: '', nkey: '', servers: [], tlsFirst: false, preventDelete: false, preventUpdate: false },
    );
  });
});

describe('consumer field mapping', () => {
  test('maps every field of a pull consumer', () => {
    const api = toApi({
      ...base,
      description: 'renders pdfs',
      deliverPolicy: 'byStartTime',
      optStartTime: '2026-01-02T16:04:05+01:00',
      ackPolicy: 'all',
      backoff: ['1s', '5s', '1m'],
      maxDeliver: 4,
      filterSubjects: ['orders.created', 'orders.updated'],
      replayPolicy: 'original',
      maxWaiting: 64,
      maxAckPending: 200,
      maxRequestBatch: 10,
      maxRequestExpires: '30s',
      maxRequestMaxBytes: 1048576,
      inactiveThreshold: '1h',
      pauseUntil: '2030-01-01T00:00:00Z',
      priorityPolicy: 'pinned_client',
      pinnedTtl: '90s',
      priorityGroups: ['jobs'],
      replicas: 3,
      memStorage: true,
      metadata: { team: 'orders' },
    });
    assert.deepEqual(api, {
      durable_name: 'c1', name: 'c1', description: 'renders pdfs',
      deliver_policy: 'by_start_time', opt_start_time: '2026-01-02T15:04:05Z',
      ack_policy: 'all', ack_wait: 1 * S, backoff: [1 * S, 5 * S, 60 * S], max_deliver: 4,
      filter_subjects: ['orders.created', 'orders.updated'], replay_policy: 'original',
      max_waiting: 64, max_ack_pending: 200, max_batch: 10, max_expires: 30 * S, max_bytes: 1048576,
      inactive_threshold: 3600 * S, pause_until: '2030-01-01T00:00:00Z',
      priority_policy: 'pinned_client', priority_timeout: 90 * S, priority_groups: ['jobs'],
      num_replicas: 3, mem_storage: true, metadata: { team: 'orders' },
    });
  });

  test('maps every field of a push consumer', () => {
    const api = toApi({
      ...base,
      deliverPolicy: 'byStartSequence',
      optStartSeq: 42,
      deliverSubject: 'push.orders',
      deliverGroup: 'workers',
      ackPolicy: 'explicit',
      ackWait: '45s',
      filterSubject: 'orders.*',
      sampleFreq: '25%',
      rateLimitBps: 1_000_000,
      flowControl: true,
      heartbeatInterval: '5s',
      headersOnly: true,
    });
    assert.deepEqual(api, {
      durable_name: 'c1', name: 'c1', deliver_policy: 'by_start_sequence', opt_start_seq: 42,
      deliver_subject: 'push.orders', deliver_group: 'workers', ack_policy: 'explicit', ack_wait: 45 * S,
      filter_subject: 'orders.*', replay_policy: 'instant', sample_freq: '25%', rate_limit_bps: 1_000_000,
      flow_control: true, idle_heartbeat: 5 * S, headers_only: true,
    });
  });

  const deliverPolicies: [Record<string, unknown>, string][] = [
    [{ deliverPolicy: 'all' }, 'all'],
    [{ deliverPolicy: 'last' }, 'last'],
    [{ deliverPolicy: 'new' }, 'new'],
    [{ deliverPolicy: 'byStartSequence', optStartSeq: 7 }, 'by_start_sequence'],
    [{ deliverPolicy: 'byStartTime', optStartTime: '2026-01-02T15:04:05Z' }, 'by_start_time'],
    [{ deliverPolicy: 'lastPerSubject', filterSubject: 'orders.>' }, 'last_per_subject'],
  ];
  for (const [extra, wire] of deliverPolicies) {
    test(`maps deliverPolicy ${String(extra.deliverPolicy)} to ${wire}`, () => {
      assert.equal(toApi({ ...base, ...extra }).deliver_policy, wire);
    });
  }

  test('sends optStartSeq only with deliverPolicy byStartSequence', () => {
    assert.equal('opt_start_seq' in toApi({ ...base, deliverPolicy: 'new', optStartSeq: 9 }), false);
  });

  test('sends one filterSubjects element as filter_subject', () => {
    const api = toApi({ ...base, filterSubjects: ['orders.created'] });
    assert.equal(api.filter_subject, 'orders.created');
    assert.equal('filter_subjects' in api, false);
  });

  for (const [input, wire] of [['50', '50%'], ['50%', '50%'], ['100', '100%']] as const) {
    test(`sends sampleFreq "${input}" as "${wire}"`, () => {
      assert.equal(toApi({ ...base, sampleFreq: input }).sample_freq, wire);
    });
  }

  test('does not send sampleFreq 0', () => {
    assert.equal('sample_freq' in toApi({ ...base, sampleFreq: '0%' }), false);
  });

  for (const policy of ['', 'none']) {
    test(`sends no priority fields for priorityPolicy "${policy}"`, () => {
      const api = toApi({ ...base, priorityPolicy: policy, priorityGroups: ['jobs'], pinnedTtl: '1m' });
      assert.deepEqual(Object.keys(api).filter((k) => k.startsWith('priority')), []);
    });
  }

  test('sends overflow priority groups without a pin timeout', () => {
    const api = toApi({ ...base, priorityPolicy: 'overflow', priorityGroups: ['jobs'], pinnedTtl: '1m' });
    assert.deepEqual([api.priority_policy, api.priority_groups, api.priority_timeout], ['overflow', ['jobs'], undefined]);
  });

  test('sends the first backoff step as ack_wait when ackWait is absent', () => {
    const api = toApi({ ...base, ackPolicy: 'explicit', backoff: ['2s', '10s'] });
    assert.deepEqual([api.ack_wait, api.backoff], [2 * S, [2 * S, 10 * S]]);
  });

  test('keeps the stream name out of the API config', () => {
    assert.equal(Object.values(toApi(base)).includes('ORDERS'), false);
  });

  test('names every API field it sends in specFields', () => {
    const api = {
      ...toApi({ ...base, deliverSubject: 'p', deliverGroup: 'g', flowControl: true, heartbeatInterval: '5s', sampleFreq: '5', rateLimitBps: 1, headersOnly: true, filterSubjects: ['a', 'b'], description: 'd', deliverPolicy: 'byStartSequence', optStartSeq: 1, ackPolicy: 'explicit', ackWait: '1s', maxDeliver: 2, replayPolicy: 'original', maxAckPending: 5, memStorage: true, replicas: 1, metadata: { a: 'b' } }),
      ...toApi({ ...base, deliverPolicy: 'byStartTime', optStartTime: '2026-01-02T15:04:05Z', backoff: ['1s'], maxWaiting: 1, maxRequestBatch: 1, maxRequestExpires: '1s', maxRequestMaxBytes: 1, inactiveThreshold: '1s', pauseUntil: '2030-01-01T00:00:00Z', priorityPolicy: 'pinned_client', pinnedTtl: '1s', priorityGroups: ['g'] }),
    };
    const missing = Object.keys(api).filter((k) => !(k in consumerKind.specFields));
    assert.deepEqual(missing, []);
    assert.equal(consumerKind.specFields.idle_heartbeat, 'heartbeatInterval');
    assert.equal(consumerKind.specFields.priority_timeout, 'pinnedTtl');
  });

  test('lists every nanosecond field, backoff included, as a duration field', () => {
    assert.deepEqual([...consumerKind.durationFields].sort(), ['ack_wait', 'backoff', 'idle_heartbeat', 'inactive_threshold', 'max_expires', 'priority_timeout']);
  });
});

describe('consumer schema errors', () => {
  const cases: { name: string; spec: Record<string, unknown>; path: (string | number)[]; code?: string }[] = [
    { name: 'a bad ackPolicy enum', spec: { ...base, ackPolicy: 'manual' }, path: ['ackPolicy'] },
    { name: 'a snake_case deliverPolicy', spec: { ...base, deliverPolicy: 'by_start_sequence' }, path: ['deliverPolicy'] },
    { name: 'a bad priorityPolicy', spec: { ...base, priorityPolicy: 'round_robin' }, path: ['priorityPolicy'] },
    { name: 'both filterSubject and filterSubjects', spec: { ...base, filterSubject: 'a', filterSubjects: ['b'] }, path: ['filterSubjects'], code: 'JK1009' },
    { name: 'byStartTime without optStartTime', spec: { ...base, deliverPolicy: 'byStartTime' }, path: ['optStartTime'], code: 'JK1009' },
    { name: 'byStartSequence without optStartSeq', spec: { ...base, deliverPolicy: 'byStartSequence' }, path: ['optStartSeq'], code: 'JK1009' },
    { name: 'lastPerSubject without a filter', spec: { ...base, deliverPolicy: 'lastPerSubject' }, path: ['filterSubject'], code: 'JK1009' },
    { name: 'backoff longer than maxDeliver', spec: { ...base, ackPolicy: 'explicit', maxDeliver: 2, backoff: ['1s', '2s', '3s'] }, path: ['backoff'], code: 'JK1009' },
    { name: 'ackWait that differs from the first backoff step', spec: { ...base, ackWait: '30s', backoff: ['1s'] }, path: ['ackWait'], code: 'JK1009' },
    { name: 'pinned_client without pinnedTtl', spec: { ...base, priorityPolicy: 'pinned_client', priorityGroups: ['g'] }, path: ['pinnedTtl'], code: 'JK1009' },
    { name: 'a priority policy without groups', spec: { ...base, priorityPolicy: 'overflow' }, path: ['priorityGroups'], code: 'JK1009' },
    { name: 'a priority policy on a push consumer', spec: { ...base, priorityPolicy: 'overflow', priorityGroups: ['g'], deliverSubject: 'p' }, path: ['priorityPolicy'], code: 'JK1009' },
    { name: 'a bad ackWait duration', spec: { ...base, ackWait: '1d' }, path: ['ackWait'], code: 'JK1007' },
    { name: 'a bad backoff step', spec: { ...base, backoff: ['1s', 'soon'] }, path: ['backoff', 1], code: 'JK1007' },
    { name: 'a negative heartbeat', spec: { ...base, heartbeatInterval: '-5s' }, path: ['heartbeatInterval'], code: 'JK1007' },
    { name: 'maxRequestExpires under 1ms', spec: { ...base, maxRequestExpires: '500us' }, path: ['maxRequestExpires'] },
    { name: 'sampleFreq over 100', spec: { ...base, sampleFreq: '101%' }, path: ['sampleFreq'] },
    { name: 'sampleFreq that is not a number', spec: { ...base, sampleFreq: 'half' }, path: ['sampleFreq'] },
    { name: 'maxDeliver below -1', spec: { ...base, maxDeliver: -2 }, path: ['maxDeliver'] },
    { name: 'a fractional maxAckPending', spec: { ...base, maxAckPending: 1.5 }, path: ['maxAckPending'] },
    { name: 'a missing streamName', spec: { durableName: 'c1' }, path: ['streamName'] },
    { name: 'a missing durableName', spec: { streamName: 'ORDERS' }, path: ['durableName'] },
    { name: 'a durableName with a dot', spec: { ...base, durableName: 'a.b' }, path: ['durableName'] },
    { name: 'an optStartTime that is not RFC3339', spec: { ...base, deliverPolicy: 'byStartTime', optStartTime: '2026-01-02 15:04' }, path: ['optStartTime'] },
    { name: 'an unknown tls field', spec: { ...base, tls: { ca: 'x' } }, path: ['tls'] },
  ];
  for (const c of cases) {
    test(`rejects ${c.name} at spec.${c.path.join('.')}`, () => {
      const issue = issueAt(c.spec, c.path);
      assert.ok(issue, `no issue at ${c.path.join('.')}`);
      if (c.code) assert.equal((issue as { params?: { code?: string } }).params?.code, c.code);
    });
  }

  test('rejects an unknown field and names it', () => {
    const issue = issueAt({ ...base, ackWiat: '30s' }, []);
    assert.equal(issue?.code, 'unrecognized_keys');
    assert.deepEqual((issue as { keys: string[] }).keys, ['ackWiat']);
  });

  test('tells how to fix pinned_client without pinnedTtl', () => {
    const issue = issueAt({ ...base, priorityPolicy: 'pinned_client', priorityGroups: ['g'] }, ['pinnedTtl']);
    assert.match(String((issue as { params?: { fix?: string } }).params?.fix), /pinnedTtl/);
  });

  const valid: [string, Record<string, unknown>][] = [
    ['backoff with maxDeliver -1', { ...base, maxDeliver: -1, backoff: ['1s', '2s', '3s'] }],
    ['backoff as long as maxDeliver', { ...base, maxDeliver: 3, backoff: ['1s', '2s', '3s'] }],
    ['ackWait equal to the first backoff step', { ...base, ackWait: '1000ms', backoff: ['1s'] }],
    ['pinned_client with pinnedTtl', { ...base, priorityPolicy: 'pinned_client', pinnedTtl: '2m', priorityGroups: ['g'] }],
    ['every connection field', { ...base, account: 'acc', servers: ['nats://a:4222'], creds: '/c', nkey: '/n', tls: { clientCert: 'c', clientKey: 'k', rootCas: ['ca'] }, tlsFirst: true, jsDomain: 'hub', preventDelete: true, preventUpdate: true }],
    ['NACK\'s CRD-defaulted empty strings', { ...base, pauseUntil: '', priorityPolicy: '', pinnedTtl: '' }],
  ];
  for (const [name, spec] of valid) {
    test(`accepts ${name}`, () => {
      const r = consumerSchema.safeParse(spec);
      assert.equal(r.success, true, JSON.stringify(r.error?.issues));
    });
  }
});

describe('consumer normalise', () => {
  const level = { '_nats.level': '1', '_nats.ver': '2.15.2', '_nats.req.level': '0' };
  const measured: { name: string; live: ApiConfig; spec: Record<string, unknown> }[] = [
    {
      name: 'an explicit-ack pull consumer (2.15.2)',
      live: { durable_name: 'c1', name: 'c1', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: -1, replay_policy: 'instant', max_waiting: 512, max_ack_pending: 1000, num_replicas: 0, metadata: level },
      spec: { streamName: 'S', durableName: 'c1', ackPolicy: 'explicit' },
    },
    {
      name: 'an explicit-ack pull consumer (2.9.10, no metadata)',
      live: { durable_name: 'c1', name: 'c1', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: -1, replay_policy: 'instant', max_waiting: 512, max_ack_pending: 1000, num_replicas: 0 },
      spec: { streamName: 'S', durableName: 'c1', ackPolicy: 'explicit' },
    },
    {
      name: 'an ack-none pull consumer',
      live: { durable_name: 'c2', name: 'c2', deliver_policy: 'all', ack_policy: 'none', max_deliver: -1, replay_policy: 'instant', max_waiting: 512, num_replicas: 0 },
      spec: { streamName: 'S', durableName: 'c2' },
    },
    {
      name: 'an explicit-ack push consumer',
      live: { durable_name: 'c3', name: 'c3', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: -1, replay_policy: 'instant', max_ack_pending: 1000, num_replicas: 0, deliver_subject: 'push.x' },
      spec: { streamName: 'S', durableName: 'c3', ackPolicy: 'explicit', deliverSubject: 'push.x' },
    },
  ];
  for (const { name, live, spec } of measured) {
    test(`makes the server's view of ${name} equal to its manifest`, () => {
      assert.deepEqual(normaliseConsumer(live), normaliseConsumer(toApi(spec)));
    });
  }

  test('still tells apart a live consumer whose maxDeliver differs', () => {
    const live = { ...measured[0].live, max_deliver: 5 };
    assert.notDeepEqual(normaliseConsumer(live), normaliseConsumer(toApi(measured[0].spec)));
  });

  test('still tells apart a pull consumer with a different max_waiting', () => {
    const live = { ...measured[0].live, max_waiting: 64 };
    assert.notDeepEqual(normaliseConsumer(live), normaliseConsumer(toApi(measured[0].spec)));
  });

  test('treats one-element filter_subjects and filter_subject as the same', () => {
    assert.deepEqual(
      normaliseConsumer({ ...measured[0].live, filter_subjects: ['orders.created'] }),
      normaliseConsumer({ ...measured[0].live, filter_subject: 'orders.created' }),
    );
  });

  test('treats sample_freq "50" and "50%" as the same', () => {
    assert.deepEqual(normaliseConsumer({ ...measured[2].live, sample_freq: '50' }), normaliseConsumer({ ...measured[2].live, sample_freq: '50%' }));
  });

  test('treats the same instant in another offset as the same start time', () => {
    const a = normaliseConsumer({ ...measured[2].live, deliver_policy: 'by_start_time', opt_start_time: '2026-01-02T16:04:05.500+01:00' });
    const b = normaliseConsumer({ ...measured[2].live, deliver_policy: 'by_start_time', opt_start_time: '2026-01-02T15:04:05.5Z' });
    assert.equal(a.opt_start_time, '2026-01-02T15:04:05.5Z');
    assert.deepEqual(a, b);
  });

  test('takes ack_wait from the first backoff step as the server does', () => {
    const live = { ...measured[0].live, ack_wait: 2 * S, backoff: [2 * S, 10 * S], max_deliver: 5 };
    assert.deepEqual(normaliseConsumer(live), normaliseConsumer(toApi({ ...base, durableName: 'c1', ackPolicy: 'explicit', backoff: ['2s', '10s'], maxDeliver: 5 })));
  });

  test('fills the 2m pin timeout the server gives pinned_client', () => {
    const out = normaliseConsumer({ ...measured[0].live, priority_policy: 'pinned_client', priority_groups: ['g'] });
    assert.equal(out.priority_timeout, 120 * S);
  });

  test('treats max_ack_pending -1 and absent the same without acks', () => {
    assert.deepEqual(normaliseConsumer({ ...measured[2].live, max_ack_pending: -1 }), normaliseConsumer(measured[2].live));
  });

  test('is idempotent', () => {
    const once = normaliseConsumer(measured[0].live);
    assert.deepEqual(normaliseConsumer(once), once);
  });
});

describe('consumer export (fromApi)', () => {
  const rich: { name: string; live: ApiConfig & { stream_name: string } }[] = [
    {
      name: 'a rich pull consumer',
      live: {
        stream_name: 'ORDERS', durable_name: 'rich-pull', name: 'rich-pull', description: 'renders pdfs',
        deliver_policy: 'by_start_time', opt_start_time: '2026-01-02T15:04:05.5Z', ack_policy: 'all',
        ack_wait: 1 * S, backoff: [1 * S, 5 * S, 30 * S], max_deliver: 10,
        filter_subjects: ['orders.created', 'orders.updated'], replay_policy: 'original', max_waiting: 64,
        max_ack_pending: -1, max_batch: 100, max_expires: 30 * S, max_bytes: 1048576,
        inactive_threshold: 3600 * S, pause_until: '2030-01-01T00:00:00Z', priority_policy: 'pinned_client',
        priority_groups: ['jobs'], priority_timeout: 90 * S, num_replicas: 3, mem_storage: true,
        metadata: { team: 'orders', '_nats.level': '1', 'jetkeeper.io/owner': 'x' },
      },
    },
    {
      name: 'a rich push consumer',
      live: {
        stream_name: 'ORDERS', durable_name: 'rich-push', name: 'rich-push', deliver_policy: 'by_start_sequence',
        opt_start_seq: 42, deliver_subject: 'push.orders', deliver_group: 'workers', ack_policy: 'explicit',
        ack_wait: 45 * S, max_deliver: 3, filter_subject: 'orders.*', replay_policy: 'instant', sample_freq: '25',
        rate_limit_bps: 1_000_000, max_ack_pending: 500, flow_control: true, idle_heartbeat: 5 * S,
        headers_only: true, num_replicas: 0,
      },
    },
    {
      name: 'an ack-none consumer with an ack wait',
      live: {
        stream_name: 'ORDERS', durable_name: 'none', name: 'none', deliver_policy: 'last_per_subject',
        filter_subject: 'orders.>', ack_policy: 'none', ack_wait: 10 * S, max_deliver: -1,
        replay_policy: 'instant', max_waiting: 512, num_replicas: 0,
      },
    },
  ];
  for (const { name, live } of rich) {
    test(`round-trips ${name} through export, parse and toApi`, () => {
      const spec = consumerFromApi(live);
      const back = consumerToApi(consumerSchema.parse(spec));
      assert.deepEqual(normaliseConsumer(back), normaliseConsumer(live));
    });
  }

  test('exports the measured explicit consumer as identity plus ackPolicy', () => {
    const live = { stream_name: 'ORDERS', durable_name: 'c1', name: 'c1', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: -1, replay_policy: 'instant', max_waiting: 512, max_ack_pending: 1000, num_replicas: 0, metadata: { '_nats.level': '1' } };
    assert.deepEqual(consumerFromApi(live), { streamName: 'ORDERS', durableName: 'c1', ackPolicy: 'explicit' });
  });

  test('always writes ackPolicy, also for the CRD default none', () => {
    const live = { stream_name: 'ORDERS', durable_name: 'c2', name: 'c2', deliver_policy: 'all', ack_policy: 'none', max_deliver: -1, replay_policy: 'instant', max_waiting: 512, num_replicas: 0 };
    assert.deepEqual(consumerFromApi(live), { streamName: 'ORDERS', durableName: 'c2', ackPolicy: 'none' });
  });

  test('writes deliverPolicy in the manifest spelling when it is not all', () => {
    const spec = consumerFromApi(rich[1].live);
    assert.deepEqual([spec.deliverPolicy, spec.optStartSeq], ['byStartSequence', 42]);
  });

  test('writes durations as Go duration strings', () => {
    const spec = consumerFromApi(rich[0].live);
    assert.deepEqual([spec.backoff, spec.maxRequestExpires, spec.inactiveThreshold, spec.pinnedTtl], [['1s', '5s', '30s'], '30s', '1h', '1m30s']);
    assert.equal(spec.ackWait, undefined, 'ackWait comes from the first backoff step');
  });

  test('drops server and jetkeeper metadata keys', () => {
    assert.deepEqual(consumerFromApi(rich[0].live).metadata, { team: 'orders' });
  });
});

describe('consumer immutable fields', () => {
  const live = { durable_name: 'c1', name: 'c1', deliver_policy: 'all', ack_policy: 'explicit', ack_wait: 30 * S, max_deliver: 5, replay_policy: 'instant', max_waiting: 512, max_ack_pending: 1000, num_replicas: 0 };

  test('refuses an ack policy change in place', () => {
    assert.deepEqual(refused(live, toApi({ ...base, ackPolicy: 'all', maxDeliver: 5 })), ['ack_policy']);
  });

  test('refuses switching a pull consumer to push', () => {
    assert.ok(refused(live, toApi({ ...base, ackPolicy: 'explicit', maxDeliver: 5, deliverSubject: 'push.x' })).includes('deliver_subject'));
  });

  test('refuses switching a push consumer to pull', () => {
    const push = { ...live, deliver_subject: 'push.x', max_waiting: undefined };
    assert.ok(refused(push, toApi({ ...base, ackPolicy: 'explicit', maxDeliver: 5 })).includes('deliver_subject'));
  });

  test('allows a new deliver subject on a push consumer', () => {
    const push = { ...live, deliver_subject: 'push.x', max_waiting: undefined };
    assert.deepEqual(refused(push, toApi({ ...base, ackPolicy: 'explicit', maxDeliver: 5, deliverSubject: 'push.y' })), []);
  });

  test('allows a maxDeliver change in place', () => {
    assert.deepEqual(refused(live, toApi({ ...base, ackPolicy: 'explicit', maxDeliver: 10 })), []);
  });

  test('gives a reason for every refused field', () => {
    for (const rule of consumerKind.immutable) assert.match(rule.reason, /server/);
  });
});

describe('consumer ackPolicy flow_control', () => {
  const fc = { ...base, deliverSubject: 'deliver.fc', ackPolicy: 'flow_control' };
  /** What nats-server 2.15 stores for `fc`: flow control on, 1s heartbeat, 1000 pending, no ack wait. */
  const stored: ApiConfig = {
    durable_name: 'c1', name: 'c1', deliver_subject: 'deliver.fc', deliver_policy: 'all', ack_policy: 'flow_control',
    max_deliver: -1, replay_policy: 'instant', max_ack_pending: 1000, flow_control: true, idle_heartbeat: S, num_replicas: 0,
  };

  test('sends ack_policy flow_control as written', () => {
    assert.equal(toApi(fc).ack_policy, 'flow_control');
  });
  test('the config the server stores normalises equal to the manifest (no ack wait, flow control, 1s heartbeat)', () => {
    assert.deepEqual(diffConfigs(consumerKind, toApi(fc), stored), []);
    assert.equal(normaliseConsumer(toApi(fc)).ack_wait, undefined);
  });
  test('exports the stored consumer without the implied flow control and heartbeat', () => {
    const spec = consumerFromApi({ ...stored, stream_name: 'ORDERS' });
    assert.deepEqual(spec, { streamName: 'ORDERS', durableName: 'c1', deliverSubject: 'deliver.fc', ackPolicy: 'flow_control' });
  });
  test('is gated on nats-server 2.14 only for that ack policy', () => {
    const gate = consumerKind.features.find((f) => f.field === 'ack_policy')!;
    assert.equal(gate.since, '2.14.0');
    assert.equal(gate.uses!('flow_control'), true);
    assert.equal(gate.uses!('explicit'), false);
  });
});
