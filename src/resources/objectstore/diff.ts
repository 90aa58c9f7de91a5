/** An object store is a stream on the server: it normalises as a stream (normaliseStream); these are its rules and fields. */
import type { FeatureGate, ImmutableRule } from '../kind.js';
import { STREAM_FEATURES, STREAM_IMMUTABLE } from '../stream/diff.js';

/** API field -> ObjectStore spec field. The fields nats.go fixes for every store have no spec field. */
export const OBJ_SPEC_FIELDS: Readonly<Record<string, string>> = {
  name: 'bucket',
  subjects: 'bucket',
  description: 'description',
  max_age: 'ttl',
  duplicate_window: 'ttl',
  max_bytes: 'maxBytes',
  storage: 'storage',
  num_replicas: 'replicas',
  placement: 'placement',
  compression: 'compression',
  metadata: 'metadata',
};

/** The stream rules that an ObjectStore spec can run into (storage). */
export const OBJ_IMMUTABLE: readonly ImmutableRule[] = STREAM_IMMUTABLE.filter((r) => r.field in OBJ_SPEC_FIELDS);

/** The stream gates on the fields an object store sets. */
export const OBJ_FEATURES: readonly FeatureGate[] = STREAM_FEATURES.filter((f) => f.field in OBJ_SPEC_FIELDS);

export const OBJ_DURATIONS = ['max_age', 'duplicate_window'] as const;
