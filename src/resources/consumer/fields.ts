/**
 * Every field of a Consumer manifest (NACK's `consumers.jetstream.nats.io` v1beta2 CRD) and of the
 * JetStream ConsumerConfig it becomes: schema with the CRD default, API name, the server's default,
 * whether the server changes it in place (measured on nats-server 2.15.2), and the version adding it.
 * ack_wait, max_ack_pending, max_waiting and priority_timeout have defaults that depend on the rest
 * of the config: normaliseConsumer fills those.
 */
import { z } from 'zod';
import { duration, durationFromApi, flag, int, natsName, ns, positive, requiredDuration, timestamp } from '../common.js';
import { parseDuration } from '../duration.js';
import { field } from '../fields.js';
import type { ApiConfig } from '../kind.js';
import {
  acksWithWait, DEFAULT_ACK_WAIT_NS, DEFAULT_MAX_ACK_PENDING, DEFAULT_MAX_WAITING, FLOW_CONTROL_HEARTBEAT_NS,
  samplePercent, utcTimestamp,
} from './values.js';

type DeliverPolicy = 'all' | 'last' | 'new' | 'byStartSequence' | 'byStartTime' | 'lastPerSubject';

const DELIVER_TO_API: Readonly<Record<DeliverPolicy, string>> = {
  all: 'all', last: 'last', new: 'new', byStartSequence: 'by_start_sequence', byStartTime: 'by_start_time', lastPerSubject: 'last_per_subject',
};

const DELIVER_FROM_API: Readonly<Record<string, DeliverPolicy>> = Object.fromEntries(
  Object.entries(DELIVER_TO_API).map(([spec, api]) => [api, spec as DeliverPolicy]),
);

/** The spec values the mapping of one field depends on. */
type Spec = Readonly<Record<string, unknown>> & {
  deliverPolicy?: DeliverPolicy; ackPolicy?: string; deliverSubject?: string; backoff?: string[];
  filterSubject?: string; filterSubjects?: string[]; priorityPolicy?: string; pinnedTtl?: string;
};

/** A duration field: nanoseconds, or undefined for absent and 0 (0 means the server default). */
const nsOrUndefined = (d: unknown): number | undefined => {
  const v = typeof d === 'string' && d ? ns(d) : 0;
  return v > 0 ? v : undefined;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const filtersOf = (s: Spec) => (s.filterSubject ? [s.filterSubject] : (s.filterSubjects ?? []));
const priorityOf = (s: Spec) => (s.priorityPolicy === '' || s.priorityPolicy === 'none' ? undefined : s.priorityPolicy);
const deliverOf = (c: ApiConfig) => DELIVER_FROM_API[String(c.deliver_policy)] ?? (c.deliver_policy as DeliverPolicy);
const fcAcks = (c: ApiConfig) => c.ack_policy === 'flow_control';

/** ack_wait when the spec has none: the first backoff step, or 30s for explicit and all acks. */
function impliedAckWait(c: ApiConfig): number | undefined {
  const backoff = c.backoff as number[] | undefined;
  return backoff?.length ? backoff[0] : acksWithWait(c.ack_policy) ? DEFAULT_ACK_WAIT_NS : undefined;
}

/** A value left out when it is what the server fills in anyway (`when` the config is such). */
const unlessDefault = (dflt: number, when: (x: { ack_policy?: unknown; deliver_subject?: unknown }) => boolean) =>
  (v: unknown, c: ApiConfig) => (typeof v === 'number' && v !== 0 && !(when(c) && v === dflt) ? v : undefined);
const pullApi = (c: { deliver_subject?: unknown }) => !c.deliver_subject;
const acksApi = (c: { ack_policy?: unknown }) => c.ack_policy !== 'none';

/** Nanoseconds of a duration string, or undefined when it is not one (its own issue is reported elsewhere). */
export function safeNs(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const r = parseDuration(d);
  return 'error' in r ? undefined : r.ns;
}

const ONE_MS = 1_000_000;

/** "50" or "50%", 0..100 (NACK's control loop strips the `%`). */
const sampleFreq = () =>
  z.string().superRefine((s, ctx) => {
    const m = /^(\d+)%?$/.exec(s.trim());
    if (s !== '' && (!m || Number.parseInt(m[1], 10) > 100)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a sample frequency: expected 0 to 100, e.g. "50" or "50%"` });
    }
  });

const presenceChanges = (live: unknown, desired: unknown) => Boolean(live) !== Boolean(desired);

export const CONSUMER_FIELDS = {
  streamName: field({ schema: natsName(1), type: 'string', change: 'create', reason: 'the server keeps a consumer in its stream' }),
  durableName: field({
    schema: natsName(1), api: 'durable_name', alsoApi: ['name'], type: 'string', change: 'create', reason: 'the server knows a consumer by its name: another name is another consumer',
    fromApi: (v, c) => str(v) ?? str(c.name) ?? '',
  }),
  description: field({ schema: z.string().optional(), api: 'description', type: 'string', change: 'update' }),
  deliverPolicy: field({
    schema: z.enum(['all', 'last', 'new', 'byStartSequence', 'byStartTime', 'lastPerSubject']).default('all'), api: 'deliver_policy',
    type: 'enum', change: 'create', reason: 'the server cannot change the deliver policy of a consumer', serverDefault: 'all',
    toApi: (v) => DELIVER_TO_API[v],
    fromApi: (_v, c) => (deliverOf(c) !== 'all' ? deliverOf(c) : undefined),
  }),
  optStartSeq: field({
    schema: int().min(0).optional(), api: 'opt_start_seq', type: 'int', change: 'create', reason: 'the server cannot change the start sequence of a consumer',
    toApi: (v, s: Spec) => (s.deliverPolicy === 'byStartSequence' ? positive(v) : undefined),
    fromApi: (v, c) => (deliverOf(c) === 'byStartSequence' ? num(v) : undefined),
  }),
  optStartTime: field({
    schema: timestamp().optional(), api: 'opt_start_time', type: 'timestamp', change: 'create', reason: 'the server cannot change the start time of a consumer',
    // jsm converts the start time to UTC
    toApi: (v, s: Spec) => (s.deliverPolicy === 'byStartTime' && v ? utcTimestamp(v) : undefined),
    fromApi: (v, c) => (deliverOf(c) === 'byStartTime' ? str(v) : undefined),
  }),
  /** the subject itself can change; switching between push (set) and pull (absent) cannot */
  deliverSubject: field({
    schema: z.string().optional(), api: 'deliver_subject', type: 'string', change: 'create', refuses: presenceChanges,
    reason: 'the server cannot switch a consumer between push (deliverSubject set) and pull',
  }),
  deliverGroup: field({ schema: z.string().optional(), api: 'deliver_group', type: 'string', change: 'update' }),
  /** flow_control (nats-server 2.14): acks follow the push consumer's flow control */
  ackPolicy: field({
    schema: z.enum(['none', 'all', 'explicit', 'flow_control']).default('none'), api: 'ack_policy', type: 'enum', change: 'create',
    serverDefault: 'none', reason: 'the server cannot change the ack policy of a consumer',
    // always written: the CRD default (none) differs from the server's (explicit)
    fromApi: (v) => v,
    valueGates: [{ since: '2.14.0', apiLevel: 4, what: 'ackPolicy: flow_control', uses: (v) => v === 'flow_control' }],
  }),
  /** no `1ns` default on purpose (NACK's CRD default is nack#136): absent means the server's 30s */
  ackWait: field({
    schema: duration().optional(), api: 'ack_wait', type: 'duration', change: 'update',
    // the server takes ack_wait from the first backoff step; a pedantic server wants it sent that way
    toApi: (v, s: Spec) => (s.backoff?.length ? ns(s.backoff[0]) : nsOrUndefined(v)),
    fromApi: (v, c) => (v !== undefined && v !== impliedAckWait(c) ? durationFromApi(v) : undefined),
  }),
  maxDeliver: field({ schema: int().min(-1).optional(), api: 'max_deliver', type: 'int', change: 'update', serverDefault: -1, toApi: positive }),
  backoff: field({
    schema: z.array(requiredDuration()).optional(), api: 'backoff', type: 'durations', change: 'update', since: '2.7.1',
    toApi: (v) => (v?.length ? v.map(ns) : undefined),
    fromApi: (v) => (Array.isArray(v) && v.length ? v.map((x) => durationFromApi(x) ?? '0s') : undefined),
  }),
  filterSubject: field({
    schema: z.string().optional(), api: 'filter_subject', type: 'string', change: 'update',
    toApi: (_v, s: Spec) => (filtersOf(s).length === 1 ? filtersOf(s)[0] : undefined),
  }),
  filterSubjects: field({
    schema: z.array(z.string().min(1)).optional(), api: 'filter_subjects', type: 'strings', change: 'update', since: '2.10.0',
    toApi: (_v, s: Spec) => (filtersOf(s).length > 1 ? filtersOf(s) : undefined),
  }),
  replayPolicy: field({
    schema: z.enum(['instant', 'original']).default('instant'), api: 'replay_policy', type: 'enum', change: 'create', serverDefault: 'instant',
    reason: 'the server cannot change the replay policy of a consumer',
  }),
  sampleFreq: field({ schema: sampleFreq().optional(), api: 'sample_freq', type: 'string', change: 'update', toApi: samplePercent }),
  maxWaiting: field({
    schema: int().min(0).optional(), api: 'max_waiting', type: 'int', change: 'create', reason: 'the server cannot change max waiting pulls of a consumer',
    toApi: (v, s: Spec) => unlessDefault(DEFAULT_MAX_WAITING, pullApi)(v, { deliver_subject: s.deliverSubject }),
    fromApi: unlessDefault(DEFAULT_MAX_WAITING, pullApi),
  }),
  rateLimitBps: field({ schema: int().min(0).optional(), api: 'rate_limit_bps', type: 'int', change: 'update', serverDefault: 0, toApi: positive }),
  maxAckPending: field({
    schema: int().min(-1).optional(), api: 'max_ack_pending', type: 'int', change: 'update',
    toApi: (v, s: Spec) => unlessDefault(DEFAULT_MAX_ACK_PENDING, acksApi)(v, { ack_policy: s.ackPolicy }),
    fromApi: unlessDefault(DEFAULT_MAX_ACK_PENDING, acksApi),
  }),
  // ackPolicy flow_control implies flow control with a 1s heartbeat
  flowControl: field({
    schema: z.boolean().default(false), api: 'flow_control', type: 'bool', change: 'create', serverDefault: false,
    reason: 'the server cannot change flow control of a consumer',
    fromApi: (v, c) => (fcAcks(c) ? undefined : flag(v)),
  }),
  headersOnly: field({ schema: z.boolean().default(false), api: 'headers_only', type: 'bool', change: 'update', serverDefault: false }),
  heartbeatInterval: field({
    schema: duration().optional(), api: 'idle_heartbeat', type: 'duration', change: 'create', serverDefault: 0,
    reason: 'the server cannot change the heartbeat interval of a consumer',
    toApi: nsOrUndefined,
    fromApi: (v, c) => (fcAcks(c) && v === FLOW_CONTROL_HEARTBEAT_NS ? undefined : durationFromApi(v)),
  }),
  maxRequestBatch: field({ schema: int().min(0).optional(), api: 'max_batch', type: 'int', change: 'update', serverDefault: 0, toApi: positive }),
  maxRequestExpires: field({
    schema: duration()
      .refine((s) => { const n = safeNs(s); return n === undefined || n === 0 || n >= ONE_MS; }, {
        message: 'maxRequestExpires must be at least 1ms',
      })
      .optional(),
    api: 'max_expires', type: 'duration', change: 'update', serverDefault: 0, toApi: nsOrUndefined,
  }),
  maxRequestMaxBytes: field({
    schema: int().min(0).optional(), api: 'max_bytes', type: 'size', change: 'update', serverDefault: 0, since: '2.8.3', toApi: positive,
  }),
  inactiveThreshold: field({
    schema: duration().optional(), api: 'inactive_threshold', type: 'duration', change: 'update', serverDefault: 0, since: '2.9.0', toApi: nsOrUndefined,
  }),
  /** a consumer update keeps the stored pause_until: the server pauses and resumes only through $JS.API.CONSUMER.PAUSE */
  pauseUntil: field({
    schema: z.union([z.literal(''), timestamp()]).default(''), api: 'pause_until', type: 'timestamp', change: 'create',
    reason: 'the server keeps pauseUntil on update (only its pause API changes it)', since: '2.11.0', apiLevel: 1,
    toApi: (v) => (v ? utcTimestamp(v) : undefined),
  }),
  priorityPolicy: field({
    schema: z.enum(['', 'none', 'pinned_client', 'overflow', 'prioritized']).default(''), api: 'priority_policy', type: 'enum',
    change: 'update', serverDefault: 'none', since: '2.11.0', apiLevel: 1,
    toApi: (_v, s: Spec) => priorityOf(s),
  }),
  // NACK sends groups and the pin timeout only together with a policy
  pinnedTtl: field({
    schema: z.union([z.literal(''), duration()]).default(''), api: 'priority_timeout', type: 'duration', change: 'update', since: '2.11.0', apiLevel: 1,
    toApi: (v, s: Spec) => (priorityOf(s) === 'pinned_client' ? nsOrUndefined(v) : undefined),
    fromApi: (v, c) => (c.priority_policy === 'pinned_client' ? durationFromApi(v) : undefined),
  }),
  priorityGroups: field({
    schema: z.array(z.string().min(1)).optional(), api: 'priority_groups', type: 'strings', change: 'update', since: '2.11.0', apiLevel: 1,
    toApi: (v, s: Spec) => (priorityOf(s) && v?.length ? v : undefined),
  }),
  replicas: field({
    schema: int().min(0).max(5).optional(), api: 'num_replicas', type: 'int', change: 'update', serverDefault: 0, since: '2.8.0', toApi: positive,
  }),
  memStorage: field({
    schema: z.boolean().default(false), api: 'mem_storage', type: 'bool', change: 'create', serverDefault: false, since: '2.8.0',
    reason: 'the server cannot change the storage type of a consumer',
  }),
  metadata: field({ schema: z.record(z.string(), z.string()).optional(), api: 'metadata', type: 'map', change: 'update', since: '2.10.0' }),
};
