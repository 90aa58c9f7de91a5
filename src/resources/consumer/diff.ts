/** What a consumer config means regardless of who wrote it: server defaults filled, server additions removed. */
import type { ApiConfig, FeatureGate, ImmutableRule } from '../kind.js';
import { normaliseWith } from '../kind.js';

/** The server's ack_wait when the consumer acks and sets none (JsAckWaitDefault). */
export const DEFAULT_ACK_WAIT_NS = 30_000_000_000;
/** The server's max_ack_pending when the consumer acks and sets none (JsDefaultMaxAckPending). */
export const DEFAULT_MAX_ACK_PENDING = 1000;
/** The server's max_waiting for pull consumers (JSWaitQueueDefaultMax). */
export const DEFAULT_MAX_WAITING = 512;
/** The server's priority_timeout for pinned_client when none is set (JsDefaultPinnedTTL). */
export const DEFAULT_PINNED_TTL_NS = 120_000_000_000;
/** The heartbeat the server gives (and requires of) an ack policy flow_control consumer. */
export const FLOW_CONTROL_HEARTBEAT_NS = 1_000_000_000;

/** Ack policies for which the server fills ack_wait (flow_control acks without a wait). */
export const acksWithWait = (ackPolicy: unknown): boolean => ackPolicy === 'explicit' || ackPolicy === 'all';

/**
 * Defaults that do not depend on the rest of the config (measured on 2.9.10 and 2.15.2).
 * ack_wait, max_ack_pending, max_waiting and priority_timeout depend on it: see normaliseConsumer.
 */
export const CONSUMER_DEFAULTS: Readonly<Record<string, unknown>> = {
  deliver_policy: 'all',
  ack_policy: 'none',
  replay_policy: 'instant',
  max_deliver: -1,
  num_replicas: 0,
  mem_storage: false,
  flow_control: false,
  headers_only: false,
  idle_heartbeat: 0,
  rate_limit_bps: 0,
  max_batch: 0,
  max_expires: 0,
  max_bytes: 0,
  inactive_threshold: 0,
  priority_policy: 'none',
};

const CONSUMER_OPTIONAL = [
  'durable_name', 'name', 'description', 'deliver_subject', 'deliver_group', 'opt_start_seq',
  'opt_start_time', 'ack_wait', 'max_ack_pending', 'max_waiting', 'backoff', 'filter_subject',
  'filter_subjects', 'sample_freq', 'pause_until', 'priority_groups', 'priority_timeout', 'metadata',
] as const;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$/;

/**
 * An RFC3339 timestamp in UTC with the fraction kept to the nanosecond (Go's RFC3339Nano), so
 * "2026-01-02T16:04:05+01:00" and "2026-01-02T15:04:05.000Z" compare equal. Non-timestamps pass through.
 */
export function utcTimestamp(value: string): string {
  const m = RFC3339.exec(value);
  if (!m) return value;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  t.setUTCHours(Number(h), Number(mi), Number(s), 0);
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const offsetMin = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
    t.setTime(t.getTime() - sign * offsetMin * 60_000);
  }
  const fraction = frac.replace(/0+$/, '');
  return `${t.toISOString().slice(0, 19)}${fraction ? '.' + fraction : ''}Z`;
}

/** "50", "50%" and 50 all mean "50%"; 0 means no sampling. */
export function samplePercent(value: unknown): string | undefined {
  const n = Number.parseInt(String(value ?? '').trim().replace(/%$/, ''), 10);
  return Number.isFinite(n) && n > 0 ? `${n}%` : undefined;
}

export function normaliseConsumer(config: ApiConfig): ApiConfig {
  const out = normaliseWith(config, CONSUMER_DEFAULTS, CONSUMER_OPTIONAL);
  const acks = out.ack_policy !== 'none';
  const pull = out.deliver_subject === undefined;
  const unset = (v: unknown) => v === undefined || v === 0;

  if (out.name === undefined && out.durable_name !== undefined) out.name = out.durable_name;

  // One filter in filter_subjects is the same consumer as filter_subject.
  const filters = out.filter_subjects as string[] | undefined;
  if (filters?.length === 1 && out.filter_subject === undefined) {
    out.filter_subject = filters[0];
    delete out.filter_subjects;
  }

  // The server replaces ack_wait with the first backoff step, and fills 30s for explicit and all acks.
  const backoff = out.backoff as number[] | undefined;
  if (backoff?.length) out.ack_wait = backoff[0];
  else if (unset(out.ack_wait)) {
    if (acksWithWait(out.ack_policy)) out.ack_wait = DEFAULT_ACK_WAIT_NS;
    else delete out.ack_wait;
  }
  // Ack policy flow_control turns flow control on with a 1s heartbeat.
  if (out.ack_policy === 'flow_control') {
    out.flow_control = true;
    if (unset(out.idle_heartbeat)) out.idle_heartbeat = FLOW_CONTROL_HEARTBEAT_NS;
  }

  if (out.max_deliver === 0 || (out.max_deliver as number) < -1) out.max_deliver = -1;

  if (acks) {
    if (unset(out.max_ack_pending)) out.max_ack_pending = DEFAULT_MAX_ACK_PENDING;
  } else if (unset(out.max_ack_pending) || out.max_ack_pending === -1) {
    // Without acks nothing is ever pending: 0 (absent) and -1 both mean unlimited.
    delete out.max_ack_pending;
  }

  if (pull && unset(out.max_waiting)) out.max_waiting = DEFAULT_MAX_WAITING;
  else if (!pull && unset(out.max_waiting)) delete out.max_waiting;

  const freq = samplePercent(out.sample_freq);
  if (freq) out.sample_freq = freq;
  else delete out.sample_freq;

  if (typeof out.opt_start_time === 'string') out.opt_start_time = utcTimestamp(out.opt_start_time);
  if (typeof out.pause_until === 'string') out.pause_until = utcTimestamp(out.pause_until);

  // priority_timeout means something only to pinned_client (the server fills 2m there);
  // groups mean nothing without a policy (and NACK does not send them).
  if (out.priority_policy === 'pinned_client') {
    if (unset(out.priority_timeout)) out.priority_timeout = DEFAULT_PINNED_TTL_NS;
  } else delete out.priority_timeout;
  if (out.priority_policy === 'none') delete out.priority_groups;

  return out;
}

const presenceChanges = (live: unknown, desired: unknown) => Boolean(live) !== Boolean(desired);

export const CONSUMER_IMMUTABLE: readonly ImmutableRule[] = [
  { field: 'deliver_policy', reason: 'the server cannot change the deliver policy of a consumer' },
  { field: 'opt_start_seq', reason: 'the server cannot change the start sequence of a consumer' },
  { field: 'opt_start_time', reason: 'the server cannot change the start time of a consumer' },
  { field: 'ack_policy', reason: 'the server cannot change the ack policy of a consumer' },
  { field: 'replay_policy', reason: 'the server cannot change the replay policy of a consumer' },
  { field: 'mem_storage', reason: 'the server cannot change the storage type of a consumer' },
  { field: 'idle_heartbeat', reason: 'the server cannot change the heartbeat interval of a consumer' },
  { field: 'flow_control', reason: 'the server cannot change flow control of a consumer' },
  { field: 'max_waiting', reason: 'the server cannot change max waiting pulls of a consumer' },
  {
    field: 'deliver_subject',
    when: presenceChanges,
    reason: 'the server cannot switch a consumer between push (deliverSubject set) and pull',
  },
];

export const CONSUMER_FEATURES: readonly FeatureGate[] = [
  { field: 'backoff', since: '2.7.1' },
  { field: 'num_replicas', since: '2.8.0' },
  { field: 'mem_storage', since: '2.8.0' },
  { field: 'max_bytes', since: '2.8.3' },
  { field: 'inactive_threshold', since: '2.9.0' },
  { field: 'filter_subjects', since: '2.10.0' },
  { field: 'metadata', since: '2.10.0' },
  { field: 'pause_until', since: '2.11.0' },
  { field: 'priority_policy', since: '2.11.0' },
  { field: 'priority_groups', since: '2.11.0' },
  { field: 'priority_timeout', since: '2.11.0' },
  { field: 'ack_policy', since: '2.14.0', what: 'ackPolicy: flow_control', uses: (v) => v === 'flow_control' },
];

export const CONSUMER_SPEC_FIELDS: Readonly<Record<string, string>> = {
  durable_name: 'durableName', name: 'durableName', description: 'description',
  deliver_policy: 'deliverPolicy', opt_start_seq: 'optStartSeq', opt_start_time: 'optStartTime',
  deliver_subject: 'deliverSubject', deliver_group: 'deliverGroup', ack_policy: 'ackPolicy',
  ack_wait: 'ackWait', max_deliver: 'maxDeliver', backoff: 'backoff', filter_subject: 'filterSubject',
  filter_subjects: 'filterSubjects', replay_policy: 'replayPolicy', sample_freq: 'sampleFreq',
  max_waiting: 'maxWaiting', rate_limit_bps: 'rateLimitBps', max_ack_pending: 'maxAckPending',
  flow_control: 'flowControl', headers_only: 'headersOnly', idle_heartbeat: 'heartbeatInterval',
  max_batch: 'maxRequestBatch', max_expires: 'maxRequestExpires', max_bytes: 'maxRequestMaxBytes',
  inactive_threshold: 'inactiveThreshold', pause_until: 'pauseUntil', priority_policy: 'priorityPolicy',
  priority_timeout: 'pinnedTtl', priority_groups: 'priorityGroups', num_replicas: 'replicas',
  mem_storage: 'memStorage', metadata: 'metadata',
};

/** `backoff` is a list of nanoseconds: show each element as a duration. */
export const CONSUMER_DURATIONS = [
  'ack_wait', 'idle_heartbeat', 'max_expires', 'inactive_threshold', 'priority_timeout', 'backoff',
] as const;
