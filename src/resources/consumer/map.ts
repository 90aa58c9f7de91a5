/** Consumer spec <-> JetStream ConsumerConfig, following NACK's control-loop mapping: one row per field in CONSUMER_FIELDS. */
import type { ApiConfig } from '../kind.js';
import { fromApiOf, toApiOf, type ApiConfigOf } from '../fields.js';
import { CONSUMER_FIELDS } from './fields.js';
import type { ConsumerSpec, ConsumerSpecInput } from './schema.js';
import { normaliseConsumer } from './diff.js';

/** Spec -> ConsumerConfig: identity, the three policies, and every field that differs from the server default. */
/** A JetStream ConsumerConfig as it goes on the wire (snake_case, nanoseconds), typed from CONSUMER_FIELDS. */
export type ConsumerApiConfig = ApiConfigOf<typeof CONSUMER_FIELDS> & { name?: string };

export function consumerToApi(s: ConsumerSpec): ConsumerApiConfig {
  return toApiOf(CONSUMER_FIELDS, s) as ConsumerApiConfig;
}

/**
 * Live ConsumerConfig -> the shortest manifest spec that maps back to it (defaults left out).
 * The server keeps the stream name outside the config: pass it as `stream_name`.
 */
export function consumerFromApi(config: (ConsumerApiConfig | ApiConfig) & { stream_name?: string }): ConsumerSpecInput {
  return { streamName: config.stream_name ?? '', ...fromApiOf(CONSUMER_FIELDS, normaliseConsumer(config as ApiConfig)) } as ConsumerSpecInput;
}
