import type { ResourceKind } from '../kind.js';
import { streamSchema, type StreamSpec } from './schema.js';
import { streamFromApi, streamToApi } from './map.js';
import {
  normaliseStream, STREAM_DURATIONS, STREAM_FEATURES, STREAM_IMMUTABLE, STREAM_SPEC_FIELDS,
} from './diff.js';

export const streamKind: ResourceKind<StreamSpec> = {
  kind: 'Stream',
  plural: 'streams',
  aliases: ['stream', 'streams', 'str'],
  schema: streamSchema,
  target: (s) => ({ type: 'stream', stream: s.name }),
  toApi: streamToApi,
  fromApi: streamFromApi,
  normalise: normaliseStream,
  immutable: STREAM_IMMUTABLE,
  features: STREAM_FEATURES,
  specFields: STREAM_SPEC_FIELDS,
  durationFields: STREAM_DURATIONS,
  claims: (c) => !/^(KV|OBJ)_/.test(String(c.name)),
};

export { streamSchema, streamToApi, streamFromApi, normaliseStream };
export type { StreamSpec };
export type { StreamApiConfig } from './map.js';
