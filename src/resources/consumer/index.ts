import type { ResourceKind } from '../kind.js';
import { consumerSchema, type ConsumerSpec, type ConsumerSpecInput } from './schema.js';
import { consumerFromApi, consumerToApi } from './map.js';
import {
  CONSUMER_DURATIONS, CONSUMER_FEATURES, CONSUMER_IMMUTABLE, CONSUMER_SPEC_FIELDS, normaliseConsumer,
} from './diff.js';

export const consumerKind: ResourceKind<ConsumerSpec> = {
  kind: 'Consumer',
  plural: 'consumers',
  aliases: ['consumer', 'consumers', 'con'],
  schema: consumerSchema,
  // The stream is part of the consumer's address, not of its config.
  target: (s) => ({ type: 'consumer', stream: s.streamName, consumer: s.durableName }),
  toApi: consumerToApi,
  fromApi: consumerFromApi,
  normalise: normaliseConsumer,
  immutable: CONSUMER_IMMUTABLE,
  features: CONSUMER_FEATURES,
  specFields: CONSUMER_SPEC_FIELDS,
  durationFields: CONSUMER_DURATIONS,
};

export { consumerSchema, consumerToApi, consumerFromApi, normaliseConsumer };
export type { ConsumerSpec, ConsumerSpecInput };
export type { ConsumerApiConfig } from './map.js';
