import type { ResourceKind } from '../kind.js';
import { keyValueSchema, type KeyValueSpec, type KeyValueSpecInput } from './schema.js';
import { KV_PREFIX, keyValueFromApi, keyValueToApi, kvStreamName } from './map.js';
import { KV_DURATIONS, KV_FEATURES, KV_IMMUTABLE, KV_SPEC_FIELDS } from './diff.js';
import { normaliseStream } from '../stream/diff.js';

export const keyValueKind: ResourceKind<KeyValueSpec> = {
  kind: 'KeyValue',
  plural: 'keyvalues',
  aliases: ['kv', 'keyvalue', 'keyvalues'],
  schema: keyValueSchema,
  target: (s) => ({ type: 'stream', stream: kvStreamName(s.bucket) }),
  toApi: keyValueToApi,
  fromApi: keyValueFromApi,
  // a bucket is a stream on the server: its config normalises exactly like a stream config
  normalise: normaliseStream,
  immutable: KV_IMMUTABLE,
  features: KV_FEATURES,
  specFields: KV_SPEC_FIELDS,
  durationFields: KV_DURATIONS,
  claims: (c) => String(c.name).startsWith(KV_PREFIX),
};

export { keyValueSchema, keyValueToApi, keyValueFromApi };
export type { KeyValueSpec, KeyValueSpecInput };
