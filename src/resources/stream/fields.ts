/**
 * Every field of a Stream manifest (NACK's `streams.jetstream.nats.io` v1beta2 CRD) and of the
 * JetStream StreamConfig it becomes: schema with the CRD default, API name, the server's default,
 * whether the server changes it in place (measured on nats-server 2.15.2), and the version adding it.
 */
import { z } from 'zod';
import {
  compact, duration, durationFromApi, int, natsName, ns, placementFromApi, placementSchema, placementToApi, positive,
  republishFromApi, republishSchema, republishToApi, sourceFromApi, sourceToApi, streamSourceSchema, subjectTransformSchema,
  type StreamSourceSpec,
} from '../common.js';
import type { ApiConfig } from '../kind.js';
import { field } from '../fields.js';

/** NACK creates streams from jsm.go's template, whose max_age is one year when the spec has none. */
export const NACK_DEFAULT_MAX_AGE_NS = 8760 * 3_600_000_000_000;

/** The server's duplicate window when none is given: 2m, or max_age when that is shorter. */
export function defaultDuplicateWindow(maxAge: number): number {
  const twoMinutes = 120_000_000_000;
  return maxAge > 0 && maxAge < twoMinutes ? maxAge : twoMinutes;
}

const maxAgeOf = (c: ApiConfig) => (typeof c.max_age === 'number' ? c.max_age : 0);

/** A stream without max_age must say so explicitly: an absent maxAge means NACK's one year. */
function maxAgeFromApi(v: unknown): string | undefined {
  const maxAge = typeof v === 'number' ? v : 0;
  return maxAge === NACK_DEFAULT_MAX_AGE_NS ? undefined : maxAge > 0 ? durationFromApi(maxAge) : '0s';
}

type ConsumerLimitsSpec = { inactiveThreshold?: string; maxAckPending?: number } | undefined;

function consumerLimitsToApi(l: ConsumerLimitsSpec): ApiConfig | undefined {
  if (!l) return undefined;
  const out = compact({ inactive_threshold: l.inactiveThreshold ? ns(l.inactiveThreshold) : undefined, max_ack_pending: l.maxAckPending });
  return Object.keys(out).length ? out : undefined;
}

function consumerLimitsFromApi(v: unknown): ConsumerLimitsSpec {
  const l = (v ?? {}) as { inactive_threshold?: number; max_ack_pending?: number };
  const out = compact({ inactiveThreshold: durationFromApi(l.inactive_threshold), maxAckPending: positive(l.max_ack_pending) });
  return Object.keys(out).length ? out : undefined;
}

const sourcesFromApi = (v: unknown) => (Array.isArray(v) && v.length ? (v as ApiConfig[]).map(sourceFromApi) : undefined);
/** a value the manifest writes only when it is not the server's default */
const onlyValue = (value: string) => (v: unknown) => (v === value ? value : undefined);

const flagField = <A extends string>(api: A, since?: string, apiLevel?: number) =>
  field({ schema: z.boolean().default(false), api, type: 'bool', change: 'update', serverDefault: false, since, apiLevel });

/** Fields the server turns on later but never off again. */
const turnOn = <A extends string>(api: A, reason: string, since?: string, apiLevel?: number) =>
  field({ schema: z.boolean().default(false), api, type: 'bool', change: 'turnOn', serverDefault: false, reason, since, apiLevel });

/** A limit where -1 (and 0) means unlimited. */
const limit = <A extends string>(api: A, type: 'int' | 'size' = 'int') =>
  field({ schema: int().min(-1).default(-1), api, type, change: 'update', serverDefault: -1, zeroIsDefault: true });

/** A source or mirror that reads through a durable consumer on its origin (nats-server 2.14). */
const hasConsumer = (source: unknown): boolean => Boolean((source as { consumer?: unknown } | undefined)?.consumer);

export const STREAM_FIELDS = {
  name: field({
    schema: natsName(1), api: 'name', type: 'string', change: 'create', reason: 'the server knows a stream by its name: another name is another stream',
    fromApi: (v) => String(v),
  }),
  description: field({ schema: z.string().optional(), api: 'description', type: 'string', change: 'update' }),
  subjects: field({ schema: z.array(z.string().min(1)).optional(), api: 'subjects', type: 'strings', change: 'update' }),
  retention: field({
    schema: z.enum(['limits', 'interest', 'workqueue']).default('limits'), api: 'retention', type: 'enum', change: 'create',
    serverDefault: 'limits',
    refuses: (live, desired) => live === 'workqueue' || desired === 'workqueue',
    reason: 'the server cannot change retention to or from workqueue',
  }),
  maxConsumers: limit('max_consumers'),
  maxMsgs: limit('max_msgs'),
  maxBytes: limit('max_bytes', 'size'),
  maxAge: field({
    schema: z.union([z.literal(''), duration()]).default(''), api: 'max_age', type: 'duration', change: 'update', serverDefault: 0,
    toApi: (v) => (v ? ns(v) : NACK_DEFAULT_MAX_AGE_NS),
    fromApi: maxAgeFromApi,
  }),
  maxMsgsPerSubject: field({
    schema: int().default(0), api: 'max_msgs_per_subject', type: 'int', change: 'update', serverDefault: -1, zeroIsDefault: true,
    toApi: (v) => (v > 0 ? v : -1),
  }),
  maxMsgSize: limit('max_msg_size', 'size'),
  discard: field({ schema: z.enum(['old', 'new']).default('old'), api: 'discard', type: 'enum', change: 'update', serverDefault: 'old' }),
  storage: field({
    schema: z.enum(['file', 'memory']).default('memory'), api: 'storage', type: 'enum', change: 'create', serverDefault: 'file',
    reason: 'the server cannot change the storage type of a stream',
    // always written: the CRD default (memory) differs from the server's (file)
    fromApi: (v) => v ?? 'file',
  }),
  replicas: field({
    schema: int().min(1).max(5).default(1), api: 'num_replicas', type: 'int', change: 'update', serverDefault: 1,
    fromApi: (v) => (typeof v === 'number' && v > 1 ? v : undefined),
  }),
  noAck: flagField('no_ack'),
  duplicateWindow: field({
    schema: duration().optional(), api: 'duplicate_window', type: 'duration', change: 'update',
    fromApi: (v, c) => (v === defaultDuplicateWindow(maxAgeOf(c)) ? undefined : durationFromApi(v)),
  }),
  placement: field({
    schema: placementSchema.optional(), api: 'placement', type: 'object', change: 'update', toApi: placementToApi, fromApi: placementFromApi,
  }),
  mirror: field({
    schema: streamSourceSchema.optional(), api: 'mirror', type: 'object', change: 'create',
    refuses: (_live, desired) => desired !== undefined,
    reason: 'the server cannot change a mirror (removing it promotes the stream)',
    toApi: (v) => (v ? sourceToApi(v) : undefined),
    fromApi: (v) => (v ? sourceFromApi(v as ApiConfig) : undefined),
    valueGates: [{ since: '2.14.0', what: 'mirror.consumer', uses: hasConsumer }],
  }),
  sources: field({
    schema: z.array(streamSourceSchema).optional(), api: 'sources', type: 'object', change: 'update',
    toApi: (v: StreamSourceSpec[] | undefined) => (v?.length ? v.map(sourceToApi) : undefined),
    fromApi: sourcesFromApi,
    valueGates: [{ since: '2.14.0', what: 'sources[].consumer', uses: (s) => Array.isArray(s) && s.some(hasConsumer) }],
  }),
  sealed: turnOn('sealed', 'a sealed stream cannot be unsealed'),
  denyDelete: turnOn('deny_delete', 'the server cannot cancel denyDelete'),
  denyPurge: turnOn('deny_purge', 'the server cannot cancel denyPurge'),
  allowRollup: flagField('allow_rollup_hdrs'),
  allowDirect: flagField('allow_direct', '2.9.0'),
  mirrorDirect: flagField('mirror_direct', '2.9.0'),
  republish: field({
    schema: republishSchema.optional(), api: 'republish', type: 'object', change: 'update', since: '2.9.0',
    toApi: republishToApi, fromApi: republishFromApi,
  }),
  discardPerSubject: flagField('discard_new_per_subject', '2.9.0'),
  metadata: field({ schema: z.record(z.string(), z.string()).optional(), api: 'metadata', type: 'map', change: 'update', since: '2.10.0' }),
  compression: field({
    schema: z.enum(['s2', 'none', '']).default(''), api: 'compression', type: 'enum', change: 'update', serverDefault: 'none', since: '2.10.0',
    toApi: onlyValue('s2'), fromApi: onlyValue('s2'),
  }),
  // the server takes a new first_seq in place; it only matters when the stream is created
  firstSequence: field({
    schema: int().min(0).default(0), api: 'first_seq', type: 'int', change: 'update', serverDefault: 0, since: '2.10.0', toApi: positive,
  }),
  subjectTransform: field({
    schema: subjectTransformSchema.optional(), api: 'subject_transform', type: 'object', change: 'update', since: '2.10.0',
    toApi: (t) => (t ? { src: t.source, dest: t.dest } : undefined),
    fromApi: (v) => {
      const t = v as { src?: string; dest?: string } | undefined;
      return t?.dest ? { source: t.src ?? '', dest: t.dest } : undefined;
    },
  }),
  consumerLimits: field({
    schema: z.strictObject({ inactiveThreshold: duration().optional(), maxAckPending: int().optional() }).optional(),
    api: 'consumer_limits', type: 'object', change: 'update', since: '2.10.0',
    toApi: consumerLimitsToApi, fromApi: consumerLimitsFromApi,
  }),
  allowMsgTtl: turnOn('allow_msg_ttl', 'message TTLs cannot be disabled once enabled', '2.11.0', 1),
  subjectDeleteMarkerTtl: field({
    schema: z.union([z.literal(''), duration()]).default(''), api: 'subject_delete_marker_ttl', type: 'duration', change: 'update',
    serverDefault: 0, since: '2.11.0', apiLevel: 1,
  }),
  allowMsgCounter: field({
    schema: z.boolean().default(false), api: 'allow_msg_counter', type: 'bool', change: 'create', serverDefault: false,
    reason: 'the server cannot change the message counter setting', since: '2.12.0', apiLevel: 2,
  }),
  allowAtomicPublish: flagField('allow_atomic', '2.12.0', 2),
  allowMsgSchedules: turnOn('allow_msg_schedules', 'message schedules cannot be disabled once enabled', '2.12.0', 2),
  /** '' and default are the server's default; NACK silently ignores any other value, jetkeeper refuses it */
  persistMode: field({
    schema: z.enum(['', 'default', 'async']).default(''), api: 'persist_mode', type: 'enum', change: 'create', serverDefault: 'default',
    reason: 'the server cannot change the persist mode', since: '2.12.0', apiLevel: 2,
    toApi: onlyValue('async'), fromApi: onlyValue('async'),
  }),
  /** fast batch publishing */
  allowBatched: flagField('allow_batched', '2.14.0', 4),
};
