/** A bucket is a stream on the server: it normalises as a stream (normaliseStream); these are its rules and fields. */
import type { FeatureGate, ImmutableRule } from '../kind.js';
import { STREAM_FEATURES, STREAM_IMMUTABLE } from '../stream/diff.js';

/** API field -> KeyValue spec field. The fields nats.go fixes for every bucket have no spec field. */
export const KV_SPEC_FIELDS: Readonly<Record<string, string>> = {
  name: 'bucket',
  subjects: 'bucket',
  description: 'description',
  max_msg_size: 'maxValueSize',
  max_msgs_per_subject: 'history',
  max_age: 'ttl',
  duplicate_window: 'ttl',
  allow_msg_ttl: 'limitMarkerTtl',
  subject_delete_marker_ttl: 'limitMarkerTtl',
  max_bytes: 'maxBytes',
  storage: 'storage',
  num_replicas: 'replicas',
  placement: 'placement',
  republish: 'republish',
  mirror: 'mirror',
  mirror_direct: 'mirror',
  compression: 'compression',
  sources: 'sources',
};

/** The stream rules that a KeyValue spec can run into (storage, mirror, turning limit markers off). */
export const KV_IMMUTABLE: readonly ImmutableRule[] = STREAM_IMMUTABLE.filter((r) => r.field in KV_SPEC_FIELDS);

/** The stream gates on the fields a bucket sets (metadata carries jetkeeper's owner). */
export const KV_FEATURES: readonly FeatureGate[] = STREAM_FEATURES.filter((f) => f.field in KV_SPEC_FIELDS || f.field === 'metadata');

export const KV_DURATIONS = ['max_age', 'duplicate_window', 'subject_delete_marker_ttl'] as const;
