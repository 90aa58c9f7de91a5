/** Consumer spec <-> JetStream ConsumerConfig, following NACK's control-loop mapping (consumerSpecToConfig). */
import type { ApiConfig } from '../kind.js';
import { userMetadata } from '../kind.js';
import { compact, durationFromApi, flag, ns, positive } from '../common.js';
import type { ConsumerSpec, ConsumerSpecInput } from './schema.js';
import {
  acksWithWait, DEFAULT_ACK_WAIT_NS, FLOW_CONTROL_HEARTBEAT_NS, DEFAULT_MAX_ACK_PENDING, DEFAULT_MAX_WAITING, normaliseConsumer, samplePercent,
  utcTimestamp,
} from './diff.js';

type DeliverPolicy = ConsumerSpec['deliverPolicy'];

const DELIVER_TO_API: Readonly<Record<DeliverPolicy, string>> = {
  all: 'all',
  last: 'last',
  new: 'new',
  byStartSequence: 'by_start_sequence',
  byStartTime: 'by_start_time',
  lastPerSubject: 'last_per_subject',
};

const DELIVER_FROM_API: Readonly<Record<string, DeliverPolicy>> = Object.fromEntries(
  Object.entries(DELIVER_TO_API).map(([spec, api]) => [api, spec as DeliverPolicy]),
);

/** A duration field: nanoseconds, or undefined for absent and 0 (0 means the server default). */
const nsOrUndefined = (d: string | undefined): number | undefined => {
  const v = d ? ns(d) : 0;
  return v > 0 ? v : undefined;
};

/** Spec -> ConsumerConfig: identity, the three policies, and every field that differs from the server default. */
export function consumerToApi(s: ConsumerSpec): ApiConfig {
  const backoff = s.backoff?.length ? s.backoff.map(ns) : undefined;
  const filters = s.filterSubject ? [s.filterSubject] : (s.filterSubjects ?? []);
  const acks = s.ackPolicy !== 'none';
  const pull = !s.deliverSubject;
  const priority = s.priorityPolicy === '' || s.priorityPolicy === 'none' ? undefined : s.priorityPolicy;
  return compact({
    durable_name: s.durableName,
    name: s.durableName,
    description: s.description || undefined,
    deliver_policy: DELIVER_TO_API[s.deliverPolicy],
    opt_start_seq: s.deliverPolicy === 'byStartSequence' ? positive(s.optStartSeq) : undefined,
    // jsm converts the start time to UTC
    opt_start_time: s.deliverPolicy === 'byStartTime' && s.optStartTime ? utcTimestamp(s.optStartTime) : undefined,
    deliver_subject: s.deliverSubject || undefined,
    deliver_group: s.deliverGroup || undefined,
    ack_policy: s.ackPolicy,
    // The server takes ack_wait from the first backoff step; a pedantic server wants it sent that way.
    ack_wait: backoff ? backoff[0] : nsOrUndefined(s.ackWait),
    max_deliver: positive(s.maxDeliver),
    backoff,
    filter_subject: filters.length === 1 ? filters[0] : undefined,
    filter_subjects: filters.length > 1 ? filters : undefined,
    replay_policy: s.replayPolicy,
    sample_freq: samplePercent(s.sampleFreq),
    max_waiting: s.maxWaiting && !(pull && s.maxWaiting === DEFAULT_MAX_WAITING) ? s.maxWaiting : undefined,
    rate_limit_bps: positive(s.rateLimitBps),
    max_ack_pending:
      s.maxAckPending && !(acks && s.maxAckPending === DEFAULT_MAX_ACK_PENDING) ? s.maxAckPending : undefined,
    flow_control: s.flowControl || undefined,
    headers_only: s.headersOnly || undefined,
    idle_heartbeat: nsOrUndefined(s.heartbeatInterval),
    max_batch: positive(s.maxRequestBatch),
    max_expires: nsOrUndefined(s.maxRequestExpires),
    max_bytes: positive(s.maxRequestMaxBytes),
    inactive_threshold: nsOrUndefined(s.inactiveThreshold),
    pause_until: s.pauseUntil ? utcTimestamp(s.pauseUntil) : undefined,
    priority_policy: priority,
    // NACK sends groups and the pin timeout only together with a policy
    priority_groups: priority && s.priorityGroups?.length ? s.priorityGroups : undefined,
    priority_timeout: priority === 'pinned_client' ? nsOrUndefined(s.pinnedTtl) : undefined,
    num_replicas: positive(s.replicas),
    mem_storage: s.memStorage || undefined,
    metadata: s.metadata && Object.keys(s.metadata).length ? s.metadata : undefined,
  });
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * Live ConsumerConfig -> the shortest manifest spec that maps back to it (defaults left out).
 * The server keeps the stream name outside the config: pass it as `stream_name`.
 */
export function consumerFromApi(config: ApiConfig & { stream_name?: string }): ConsumerSpecInput {
  const c = normaliseConsumer(config);
  const acks = c.ack_policy !== 'none';
  const pull = c.deliver_subject === undefined;
  const deliver = DELIVER_FROM_API[String(c.deliver_policy)] ?? (c.deliver_policy as DeliverPolicy);
  const backoff = c.backoff as number[] | undefined;
  // What toApi + normalise give when the spec has no ackWait: write ackWait only when it differs.
  const impliedAckWait = backoff?.length ? backoff[0] : acksWithWait(c.ack_policy) ? DEFAULT_ACK_WAIT_NS : undefined;
  const ackWait = num(c.ack_wait);
  const maxAckPending = num(c.max_ack_pending);
  const maxWaiting = num(c.max_waiting);
  const filters = c.filter_subjects as string[] | undefined;
  const priority = c.priority_policy as ConsumerSpec['priorityPolicy'];
  const fcAcks = c.ack_policy === 'flow_control';
  return compact({
    streamName: config.stream_name ?? '',
    durableName: str(c.durable_name) ?? str(c.name) ?? '',
    description: str(c.description),
    deliverPolicy: deliver !== 'all' ? deliver : undefined,
    optStartSeq: deliver === 'byStartSequence' ? num(c.opt_start_seq) : undefined,
    optStartTime: deliver === 'byStartTime' ? str(c.opt_start_time) : undefined,
    deliverSubject: str(c.deliver_subject),
    deliverGroup: str(c.deliver_group),
    // always written: the CRD default (none) differs from the server's (explicit)
    ackPolicy: c.ack_policy as ConsumerSpec['ackPolicy'],
    ackWait: ackWait !== impliedAckWait && ackWait !== undefined ? durationFromApi(ackWait) : undefined,
    maxDeliver: positive(c.max_deliver),
    backoff: backoff?.length ? backoff.map((v) => durationFromApi(v) ?? '0s') : undefined,
    filterSubject: str(c.filter_subject),
    filterSubjects: filters?.length ? filters : undefined,
    replayPolicy: c.replay_policy !== 'instant' ? (c.replay_policy as ConsumerSpec['replayPolicy']) : undefined,
    sampleFreq: str(c.sample_freq),
    maxWaiting: maxWaiting !== undefined && !(pull && maxWaiting === DEFAULT_MAX_WAITING) ? maxWaiting : undefined,
    rateLimitBps: positive(c.rate_limit_bps),
    maxAckPending:
      maxAckPending !== undefined && !(acks && maxAckPending === DEFAULT_MAX_ACK_PENDING) ? maxAckPending : undefined,
    // ackPolicy flow_control implies flow control with a 1s heartbeat
    flowControl: fcAcks ? undefined : flag(c.flow_control),
    headersOnly: flag(c.headers_only),
    heartbeatInterval: fcAcks && c.idle_heartbeat === FLOW_CONTROL_HEARTBEAT_NS ? undefined : durationFromApi(c.idle_heartbeat),
    maxRequestBatch: positive(c.max_batch),
    maxRequestExpires: durationFromApi(c.max_expires),
    maxRequestMaxBytes: positive(c.max_bytes),
    inactiveThreshold: durationFromApi(c.inactive_threshold),
    pauseUntil: str(c.pause_until),
    priorityPolicy: priority !== 'none' ? priority : undefined,
    pinnedTtl: priority === 'pinned_client' ? durationFromApi(c.priority_timeout) : undefined,
    priorityGroups: (c.priority_groups as string[] | undefined)?.length ? (c.priority_groups as string[]) : undefined,
    replicas: positive(c.num_replicas),
    memStorage: flag(c.mem_storage),
    metadata: userMetadata(c.metadata),
  });
}
