/**
 * Every field of a Consumer manifest (NACK's `consumers.jetstream.nats.io` v1beta2 CRD) and of the
 * JetStream ConsumerConfig it becomes: schema with the CRD default, API name, the server's default,
 * whether the server changes it in place (measured on nats-server 2.15.2), and the version adding it.
 * ack_wait, max_ack_pending, max_waiting and priority_timeout have defaults that depend on the rest
 * of the config: normaliseConsumer fills those.
 */
import { z } from 'zod';
import { duration, int, natsName, requiredDuration, timestamp } from '../common.js';
import { parseDuration } from '../duration.js';
import { field } from '../fields.js';

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

/** A create-only field with the server's refusal in words. */
const fixed = <S extends z.ZodType>(schema: S, api: string, type: 'enum' | 'int' | 'bool' | 'duration' | 'timestamp', reason: string, serverDefault?: unknown) =>
  field({ schema, api, type, change: 'create', reason, serverDefault });

export const CONSUMER_FIELDS = {
  streamName: field({ schema: natsName(1), type: 'string', change: 'create', reason: 'the server keeps a consumer in its stream' }),
  durableName: field({
    schema: natsName(1), api: 'durable_name', alsoApi: ['name'], type: 'string', change: 'create', reason: 'the server knows a consumer by its name: another name is another consumer',
  }),
  description: field({ schema: z.string().optional(), api: 'description', type: 'string', change: 'update' }),
  deliverPolicy: fixed(
    z.enum(['all', 'last', 'new', 'byStartSequence', 'byStartTime', 'lastPerSubject']).default('all'), 'deliver_policy', 'enum',
    'the server cannot change the deliver policy of a consumer', 'all',
  ),
  optStartSeq: fixed(int().min(0).optional(), 'opt_start_seq', 'int', 'the server cannot change the start sequence of a consumer'),
  optStartTime: fixed(timestamp().optional(), 'opt_start_time', 'timestamp', 'the server cannot change the start time of a consumer'),
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
    valueGates: [{ since: '2.14.0', apiLevel: 4, what: 'ackPolicy: flow_control', uses: (v) => v === 'flow_control' }],
  }),
  /** no `1ns` default on purpose (NACK's CRD default is nack#136): absent means the server's 30s */
  ackWait: field({ schema: duration().optional(), api: 'ack_wait', type: 'duration', change: 'update' }),
  maxDeliver: field({ schema: int().min(-1).optional(), api: 'max_deliver', type: 'int', change: 'update', serverDefault: -1 }),
  backoff: field({ schema: z.array(requiredDuration()).optional(), api: 'backoff', type: 'durations', change: 'update', since: '2.7.1' }),
  filterSubject: field({ schema: z.string().optional(), api: 'filter_subject', type: 'string', change: 'update' }),
  filterSubjects: field({
    schema: z.array(z.string().min(1)).optional(), api: 'filter_subjects', type: 'strings', change: 'update', since: '2.10.0',
  }),
  replayPolicy: fixed(z.enum(['instant', 'original']).default('instant'), 'replay_policy', 'enum', 'the server cannot change the replay policy of a consumer', 'instant'),
  sampleFreq: field({ schema: sampleFreq().optional(), api: 'sample_freq', type: 'string', change: 'update' }),
  rateLimitBps: field({ schema: int().min(0).optional(), api: 'rate_limit_bps', type: 'int', change: 'update', serverDefault: 0 }),
  maxAckPending: field({ schema: int().min(-1).optional(), api: 'max_ack_pending', type: 'int', change: 'update' }),
  maxWaiting: fixed(int().min(0).optional(), 'max_waiting', 'int', 'the server cannot change max waiting pulls of a consumer'),
  headersOnly: field({ schema: z.boolean().default(false), api: 'headers_only', type: 'bool', change: 'update', serverDefault: false }),
  heartbeatInterval: fixed(duration().optional(), 'idle_heartbeat', 'duration', 'the server cannot change the heartbeat interval of a consumer', 0),
  flowControl: fixed(z.boolean().default(false), 'flow_control', 'bool', 'the server cannot change flow control of a consumer', false),
  maxRequestBatch: field({ schema: int().min(0).optional(), api: 'max_batch', type: 'int', change: 'update', serverDefault: 0 }),
  maxRequestExpires: field({
    schema: duration()
      .refine((s) => { const n = safeNs(s); return n === undefined || n === 0 || n >= ONE_MS; }, {
        message: 'maxRequestExpires must be at least 1ms',
      })
      .optional(),
    api: 'max_expires', type: 'duration', change: 'update', serverDefault: 0,
  }),
  maxRequestMaxBytes: field({ schema: int().min(0).optional(), api: 'max_bytes', type: 'size', change: 'update', serverDefault: 0, since: '2.8.3' }),
  inactiveThreshold: field({ schema: duration().optional(), api: 'inactive_threshold', type: 'duration', change: 'update', serverDefault: 0, since: '2.9.0' }),
  /** a consumer update keeps the stored pause_until: the server pauses and resumes only through $JS.API.CONSUMER.PAUSE */
  pauseUntil: field({
    schema: z.union([z.literal(''), timestamp()]).default(''), api: 'pause_until', type: 'timestamp', change: 'create',
    reason: 'the server keeps pauseUntil on update (only its pause API changes it)', since: '2.11.0', apiLevel: 1,
  }),
  priorityPolicy: field({
    schema: z.enum(['', 'none', 'pinned_client', 'overflow', 'prioritized']).default(''), api: 'priority_policy', type: 'enum',
    change: 'update', serverDefault: 'none', since: '2.11.0', apiLevel: 1,
  }),
  pinnedTtl: field({
    schema: z.union([z.literal(''), duration()]).default(''), api: 'priority_timeout', type: 'duration', change: 'update', since: '2.11.0', apiLevel: 1,
  }),
  priorityGroups: field({
    schema: z.array(z.string().min(1)).optional(), api: 'priority_groups', type: 'strings', change: 'update', since: '2.11.0', apiLevel: 1,
  }),
  replicas: field({ schema: int().min(0).max(5).optional(), api: 'num_replicas', type: 'int', change: 'update', serverDefault: 0, since: '2.8.0' }),
  memStorage: field({
    schema: z.boolean().default(false), api: 'mem_storage', type: 'bool', change: 'create', serverDefault: false, since: '2.8.0',
    reason: 'the server cannot change the storage type of a consumer',
  }),
  metadata: field({ schema: z.record(z.string(), z.string()).optional(), api: 'metadata', type: 'map', change: 'update', since: '2.10.0' }),
};
