/** What a consumer config means regardless of who wrote it: server defaults filled, server additions removed. */
import type { ApiConfig, FeatureGate, ImmutableRule } from '../kind.js';
import { normaliseWith } from '../kind.js';
import {
  durationsOf, featuresOf, immutablesOf, optionalFieldsOf, serverDefaultsOf, specFieldsOf,
} from '../fields.js';
import { CONSUMER_FIELDS } from './fields.js';
import {
  acksWithWait, DEFAULT_ACK_WAIT_NS, DEFAULT_MAX_ACK_PENDING, DEFAULT_MAX_WAITING, DEFAULT_PINNED_TTL_NS,
  FLOW_CONTROL_HEARTBEAT_NS, samplePercent, utcTimestamp,
} from './values.js';

export {
  acksWithWait, DEFAULT_ACK_WAIT_NS, DEFAULT_MAX_ACK_PENDING, DEFAULT_MAX_WAITING, DEFAULT_PINNED_TTL_NS,
  FLOW_CONTROL_HEARTBEAT_NS, samplePercent, utcTimestamp,
};

/**
 * Defaults that do not depend on the rest of the config (measured on 2.9.10 and 2.15.2).
 * ack_wait, max_ack_pending, max_waiting and priority_timeout depend on it: see normaliseConsumer.
 */
export const CONSUMER_DEFAULTS: Readonly<Record<string, unknown>> = serverDefaultsOf(CONSUMER_FIELDS);

const CONSUMER_OPTIONAL = optionalFieldsOf(CONSUMER_FIELDS);

const unset = (v: unknown) => v === undefined || v === 0;

export function normaliseConsumer(config: ApiConfig): ApiConfig {
  const out = normaliseWith(config, CONSUMER_DEFAULTS, CONSUMER_OPTIONAL);
  if (out.name === undefined && out.durable_name !== undefined) out.name = out.durable_name;
  normaliseFilters(out);
  normaliseAcks(out);
  normaliseLimits(out);
  normalisePriority(out);
  return out;
}

/** One filter in filter_subjects is the same consumer as filter_subject. */
function normaliseFilters(out: ApiConfig): void {
  const filters = out.filter_subjects as string[] | undefined;
  if (filters?.length === 1 && out.filter_subject === undefined) {
    out.filter_subject = filters[0];
    delete out.filter_subjects;
  }
}

/** ack_wait, flow control and max_ack_pending as the server fills them for the ack policy. */
function normaliseAcks(out: ApiConfig): void {
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
  if (out.ack_policy !== 'none') {
    if (unset(out.max_ack_pending)) out.max_ack_pending = DEFAULT_MAX_ACK_PENDING;
  } else if (unset(out.max_ack_pending) || out.max_ack_pending === -1) {
    // Without acks nothing is ever pending: 0 (absent) and -1 both mean unlimited.
    delete out.max_ack_pending;
  }
}

/** max_deliver, max_waiting (pull only), sample_freq and the timestamps in their one written form. */
function normaliseLimits(out: ApiConfig): void {
  if (out.max_deliver === 0 || (out.max_deliver as number) < -1) out.max_deliver = -1;

  const pull = out.deliver_subject === undefined;
  if (pull && unset(out.max_waiting)) out.max_waiting = DEFAULT_MAX_WAITING;
  else if (!pull && unset(out.max_waiting)) delete out.max_waiting;

  const freq = samplePercent(out.sample_freq);
  if (freq) out.sample_freq = freq;
  else delete out.sample_freq;

  if (typeof out.opt_start_time === 'string') out.opt_start_time = utcTimestamp(out.opt_start_time);
  if (typeof out.pause_until === 'string') out.pause_until = utcTimestamp(out.pause_until);
}

/**
 * priority_timeout means something only to pinned_client (the server fills 2m there);
 * groups mean nothing without a policy (and NACK does not send them).
 */
function normalisePriority(out: ApiConfig): void {
  if (out.priority_policy === 'pinned_client') {
    if (unset(out.priority_timeout)) out.priority_timeout = DEFAULT_PINNED_TTL_NS;
  } else delete out.priority_timeout;
  if (out.priority_policy === 'none') delete out.priority_groups;
}

export const CONSUMER_IMMUTABLE: readonly ImmutableRule[] = immutablesOf(CONSUMER_FIELDS);

export const CONSUMER_FEATURES: readonly FeatureGate[] = featuresOf(CONSUMER_FIELDS);

export const CONSUMER_SPEC_FIELDS: Readonly<Record<string, string>> = specFieldsOf(CONSUMER_FIELDS);

/** `backoff` is a list of nanoseconds: show each element as a duration. */
export const CONSUMER_DURATIONS: readonly string[] = durationsOf(CONSUMER_FIELDS);
