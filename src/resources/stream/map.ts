/** Stream spec <-> JetStream StreamConfig, following NACK's control-loop mapping: one row per field in STREAM_FIELDS. */
import type { ApiConfig } from '../kind.js';
import { fromApiOf, toApiOf } from '../fields.js';
import { STREAM_FIELDS } from './fields.js';
import type { StreamSpec, StreamSpecInput } from './schema.js';

export { NACK_DEFAULT_MAX_AGE_NS, defaultDuplicateWindow } from './fields.js';

export function streamToApi(s: StreamSpec): ApiConfig {
  return toApiOf(STREAM_FIELDS, s);
}

/** Live StreamConfig -> the shortest manifest spec that maps back to it (defaults left out). */
export function streamFromApi(c: ApiConfig): StreamSpecInput {
  return fromApiOf(STREAM_FIELDS, c) as StreamSpecInput;
}
