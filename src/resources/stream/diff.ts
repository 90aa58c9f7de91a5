/** What a stream config means regardless of who wrote it: server defaults filled, server additions removed. */
import type { ApiConfig, FeatureGate, ImmutableRule } from '../kind.js';
import { normaliseWith } from '../kind.js';
import { normaliseSource } from '../common.js';
import { defaultDuplicateWindow } from './map.js';


/** The server's defaults for every stream field jetkeeper manages (measured on 2.9.10 and 2.15.2). */
export const STREAM_DEFAULTS: Readonly<Record<string, unknown>> = {
  retention: 'limits',
  max_consumers: -1,
  max_msgs: -1,
  max_bytes: -1,
  max_age: 0,
  max_msgs_per_subject: -1,
  max_msg_size: -1,
  discard: 'old',
  storage: 'file',
  num_replicas: 1,
  no_ack: false,
  compression: 'none',
  allow_direct: false,
  mirror_direct: false,
  sealed: false,
  deny_delete: false,
  deny_purge: false,
  allow_rollup_hdrs: false,
  discard_new_per_subject: false,
  first_seq: 0,
  allow_msg_ttl: false,
  subject_delete_marker_ttl: 0,
  allow_msg_counter: false,
  allow_atomic: false,
  allow_batched: false,
  allow_msg_schedules: false,
  persist_mode: 'default',
};

const STREAM_OPTIONAL = [
  'name', 'description', 'subjects', 'duplicate_window', 'placement', 'mirror', 'sources',
  'subject_transform', 'republish', 'consumer_limits', 'metadata',
] as const;

/** Limits the server stores as -1 (unlimited) when they are sent as 0. */
export const STREAM_ZERO_IS_UNLIMITED = [
  'max_consumers', 'max_msgs', 'max_bytes', 'max_msgs_per_subject', 'max_msg_size',
] as const;

/** consumer_limits without the entries of 0 (the server leaves them out: no limit). */
function normaliseConsumerLimits(limits: unknown): ApiConfig | undefined {
  const out: ApiConfig = {};
  for (const [k, v] of Object.entries((limits ?? {}) as ApiConfig)) if (v !== 0) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export function normaliseStream(config: ApiConfig): ApiConfig {
  const out = normaliseWith(config, STREAM_DEFAULTS, STREAM_OPTIONAL);
  for (const key of STREAM_ZERO_IS_UNLIMITED) if (out[key] === 0) out[key] = -1;
  // A duplicate window of 0 asks for the server's default.
  if (out.duplicate_window === undefined || out.duplicate_window === 0) {
    out.duplicate_window = defaultDuplicateWindow(out.max_age as number);
  }
  const limits = normaliseConsumerLimits(out.consumer_limits);
  if (limits) out.consumer_limits = limits;
  else delete out.consumer_limits;
  if (out.persist_mode === '') out.persist_mode = 'default';
  if (out.mirror) out.mirror = normaliseSource(out.mirror);
  if (Array.isArray(out.sources)) out.sources = out.sources.map(normaliseSource);
  if (out.republish) out.republish = { headers_only: false, ...(out.republish as object) };
  // The server fills a missing subject list with the stream name (unless it mirrors or sources).
  if (out.subjects === undefined && !out.mirror && !out.sources) out.subjects = [out.name];
  return out;
}

/** A source or mirror that reads through a durable consumer on its origin. */
const hasConsumer = (source: unknown): boolean => Boolean((source as { consumer?: unknown } | undefined)?.consumer);

const becomesFalse = (live: unknown, desired: unknown) => live === true && desired !== true;

export const STREAM_IMMUTABLE: readonly ImmutableRule[] = [
  { field: 'storage', reason: 'the server cannot change the storage type of a stream' },
  {
    field: 'retention',
    when: (live, desired) => live === 'workqueue' || desired === 'workqueue',
    reason: 'the server cannot change retention to or from workqueue',
  },
  { field: 'mirror', when: (_live, desired) => desired !== undefined, reason: 'the server cannot change a mirror (removing it promotes the stream)' },
  { field: 'sealed', when: becomesFalse, reason: 'a sealed stream cannot be unsealed' },
  { field: 'deny_delete', when: becomesFalse, reason: 'the server cannot cancel denyDelete' },
  { field: 'deny_purge', when: becomesFalse, reason: 'the server cannot cancel denyPurge' },
  { field: 'allow_msg_ttl', when: becomesFalse, reason: 'message TTLs cannot be disabled once enabled' },
  { field: 'allow_msg_counter', reason: 'the server cannot change the message counter setting' },
  { field: 'allow_msg_schedules', when: becomesFalse, reason: 'message schedules cannot be disabled once enabled' },
  { field: 'persist_mode', reason: 'the server cannot change the persist mode' },
];

export const STREAM_FEATURES: readonly FeatureGate[] = [
  { field: 'allow_direct', since: '2.9.0' },
  { field: 'mirror_direct', since: '2.9.0' },
  { field: 'republish', since: '2.9.0' },
  { field: 'discard_new_per_subject', since: '2.9.0' },
  { field: 'metadata', since: '2.10.0' },
  { field: 'compression', since: '2.10.0' },
  { field: 'first_seq', since: '2.10.0' },
  { field: 'subject_transform', since: '2.10.0' },
  { field: 'consumer_limits', since: '2.10.0' },
  { field: 'allow_msg_ttl', since: '2.11.0' },
  { field: 'subject_delete_marker_ttl', since: '2.11.0' },
  { field: 'allow_msg_counter', since: '2.12.0' },
  { field: 'allow_atomic', since: '2.12.0' },
  { field: 'allow_msg_schedules', since: '2.12.0' },
  { field: 'persist_mode', since: '2.12.0' },
  { field: 'allow_batched', since: '2.14.0' },
  { field: 'mirror', since: '2.14.0', what: 'mirror.consumer', uses: (m) => hasConsumer(m) },
  { field: 'sources', since: '2.14.0', what: 'sources[].consumer', uses: (s) => Array.isArray(s) && s.some(hasConsumer) },
];

export const STREAM_SPEC_FIELDS: Readonly<Record<string, string>> = {
  name: 'name', description: 'description', subjects: 'subjects', retention: 'retention',
  max_consumers: 'maxConsumers', max_msgs: 'maxMsgs', max_bytes: 'maxBytes', max_age: 'maxAge',
  max_msgs_per_subject: 'maxMsgsPerSubject', max_msg_size: 'maxMsgSize', discard: 'discard',
  storage: 'storage', num_replicas: 'replicas', no_ack: 'noAck', duplicate_window: 'duplicateWindow',
  placement: 'placement', mirror: 'mirror', sources: 'sources', sealed: 'sealed',
  deny_delete: 'denyDelete', deny_purge: 'denyPurge', allow_rollup_hdrs: 'allowRollup',
  allow_direct: 'allowDirect', mirror_direct: 'mirrorDirect', discard_new_per_subject: 'discardPerSubject',
  compression: 'compression', first_seq: 'firstSequence', subject_transform: 'subjectTransform',
  republish: 'republish', allow_msg_ttl: 'allowMsgTtl', subject_delete_marker_ttl: 'subjectDeleteMarkerTtl',
  allow_msg_counter: 'allowMsgCounter', allow_atomic: 'allowAtomicPublish', allow_batched: 'allowBatched',
  allow_msg_schedules: 'allowMsgSchedules', persist_mode: 'persistMode',
  consumer_limits: 'consumerLimits', metadata: 'metadata',
};

export const STREAM_DURATIONS = ['max_age', 'duplicate_window', 'subject_delete_marker_ttl'] as const;
