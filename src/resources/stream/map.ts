/** Stream spec <-> JetStream StreamConfig, following NACK's control-loop mapping: one row per field in STREAM_FIELDS. */
import type { ApiConfig } from '../kind.js';
import { fromApiOf, toApiOf, type ApiConfigOf } from '../fields.js';
import { STREAM_FIELDS } from './fields.js';
import type { StreamSpec, StreamSpecInput } from './schema.js';

export { NACK_DEFAULT_MAX_AGE_NS, defaultDuplicateWindow } from './fields.js';

/** A JetStream StreamConfig as it goes on the wire (snake_case, nanoseconds), typed from STREAM_FIELDS. */
export type StreamApiConfig = ApiConfigOf<typeof STREAM_FIELDS>;

export function streamToApi(s: StreamSpec): StreamApiConfig {
  return toApiOf(STREAM_FIELDS, s) as StreamApiConfig;
}

/** Live StreamConfig -> the shortest manifest spec that maps back to it (defaults left out). */
export function streamFromApi(c: StreamApiConfig | ApiConfig): StreamSpecInput {
  return fromApiOf(STREAM_FIELDS, c) as StreamSpecInput;
}
