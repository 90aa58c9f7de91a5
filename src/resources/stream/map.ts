/** Stream spec <-> JetStream StreamConfig, following NACK's control-loop mapping. */
import type { ApiConfig } from '../kind.js';
import { userMetadata } from '../kind.js';
import {
  compact, durationFromApi, flag, ns, placementFromApi, placementToApi, positive, republishFromApi, republishToApi,
  sourceFromApi, sourceToApi,
} from '../common.js';
import type { StreamSpec, StreamSpecInput } from './schema.js';

/** NACK creates streams from jsm.go's template, whose max_age is one year when the spec has none. */
export const NACK_DEFAULT_MAX_AGE_NS = 8760 * 3_600_000_000_000;

export function streamToApi(s: StreamSpec): ApiConfig {
  const limits = s.consumerLimits
    ? compact({
        inactive_threshold: s.consumerLimits.inactiveThreshold ? ns(s.consumerLimits.inactiveThreshold) : undefined,
        max_ack_pending: s.consumerLimits.maxAckPending,
      })
    : undefined;
  return compact({
    name: s.name,
    description: s.description || undefined,
    subjects: s.subjects?.length ? s.subjects : undefined,
    retention: s.retention,
    max_consumers: s.maxConsumers,
    max_msgs: s.maxMsgs,
    max_bytes: s.maxBytes,
    max_age: s.maxAge ? ns(s.maxAge) : NACK_DEFAULT_MAX_AGE_NS,
    max_msgs_per_subject: s.maxMsgsPerSubject > 0 ? s.maxMsgsPerSubject : -1,
    max_msg_size: s.maxMsgSize,
    discard: s.discard,
    storage: s.storage,
    num_replicas: s.replicas,
    no_ack: s.noAck || undefined,
    duplicate_window: s.duplicateWindow ? ns(s.duplicateWindow) : undefined,
    placement: placementToApi(s.placement),
    mirror: s.mirror ? sourceToApi(s.mirror) : undefined,
    sources: s.sources?.length ? s.sources.map(sourceToApi) : undefined,
    sealed: s.sealed || undefined,
    deny_delete: s.denyDelete || undefined,
    deny_purge: s.denyPurge || undefined,
    allow_rollup_hdrs: s.allowRollup || undefined,
    allow_direct: s.allowDirect || undefined,
    mirror_direct: s.mirrorDirect || undefined,
    discard_new_per_subject: s.discardPerSubject || undefined,
    compression: s.compression === 's2' ? 's2' : undefined,
    first_seq: positive(s.firstSequence),
    subject_transform: s.subjectTransform ? { src: s.subjectTransform.source, dest: s.subjectTransform.dest } : undefined,
    republish: republishToApi(s.republish),
    allow_msg_ttl: s.allowMsgTtl || undefined,
    subject_delete_marker_ttl: s.subjectDeleteMarkerTtl ? ns(s.subjectDeleteMarkerTtl) : undefined,
    allow_msg_counter: s.allowMsgCounter || undefined,
    allow_atomic: s.allowAtomicPublish || undefined,
    allow_batched: s.allowBatched || undefined,
    allow_msg_schedules: s.allowMsgSchedules || undefined,
    persist_mode: s.persistMode === 'async' ? 'async' : undefined,
    consumer_limits: limits && Object.keys(limits).length ? limits : undefined,
    metadata: s.metadata && Object.keys(s.metadata).length ? s.metadata : undefined,
  });
}

/** The server's duplicate window when none is given: 2m, or max_age when that is shorter. */
export function defaultDuplicateWindow(maxAge: number): number {
  const twoMinutes = 120_000_000_000;
  return maxAge > 0 && maxAge < twoMinutes ? maxAge : twoMinutes;
}

/** Live StreamConfig -> the shortest manifest spec that maps back to it (defaults left out). */
export function streamFromApi(c: ApiConfig): StreamSpecInput {
  const limits = (c.consumer_limits ?? {}) as { inactive_threshold?: number; max_ack_pending?: number };
  const st = c.subject_transform as { src?: string; dest?: string } | undefined;
  const maxAge = typeof c.max_age === 'number' ? c.max_age : 0;
  const consumerLimits = compact({
    inactiveThreshold: durationFromApi(limits.inactive_threshold),
    maxAckPending: positive(limits.max_ack_pending),
  });
  return compact({
    name: String(c.name),
    description: (c.description as string) || undefined,
    subjects: (c.subjects as string[] | undefined)?.length ? (c.subjects as string[]) : undefined,
    retention: c.retention !== 'limits' ? (c.retention as StreamSpec['retention']) : undefined,
    maxConsumers: positive(c.max_consumers),
    maxMsgs: positive(c.max_msgs),
    maxBytes: positive(c.max_bytes),
    // A stream without max_age must say so explicitly: an absent maxAge means NACK's one year.
    maxAge: maxAge === NACK_DEFAULT_MAX_AGE_NS ? undefined : maxAge > 0 ? durationFromApi(maxAge) : '0s',
    maxMsgsPerSubject: positive(c.max_msgs_per_subject),
    maxMsgSize: positive(c.max_msg_size),
    discard: c.discard === 'new' ? 'new' : undefined,
    // storage always written: the CRD default (memory) differs from the server's (file).
    storage: (c.storage as StreamSpec['storage']) ?? 'file',
    replicas: typeof c.num_replicas === 'number' && c.num_replicas > 1 ? c.num_replicas : undefined,
    noAck: flag(c.no_ack),
    duplicateWindow: c.duplicate_window === defaultDuplicateWindow(maxAge) ? undefined : durationFromApi(c.duplicate_window),
    placement: placementFromApi(c.placement),
    mirror: c.mirror ? sourceFromApi(c.mirror as ApiConfig) : undefined,
    sources: (c.sources as ApiConfig[] | undefined)?.length ? (c.sources as ApiConfig[]).map(sourceFromApi) : undefined,
    sealed: flag(c.sealed),
    denyDelete: flag(c.deny_delete),
    denyPurge: flag(c.deny_purge),
    allowRollup: flag(c.allow_rollup_hdrs),
    allowDirect: flag(c.allow_direct),
    mirrorDirect: flag(c.mirror_direct),
    discardPerSubject: flag(c.discard_new_per_subject),
    compression: c.compression === 's2' ? 's2' : undefined,
    firstSequence: positive(c.first_seq),
    subjectTransform: st?.dest ? { source: st.src ?? '', dest: st.dest } : undefined,
    republish: republishFromApi(c.republish),
    allowMsgTtl: flag(c.allow_msg_ttl),
    subjectDeleteMarkerTtl: durationFromApi(c.subject_delete_marker_ttl),
    allowMsgCounter: flag(c.allow_msg_counter),
    allowAtomicPublish: flag(c.allow_atomic),
    allowBatched: flag(c.allow_batched),
    allowMsgSchedules: flag(c.allow_msg_schedules),
    persistMode: c.persist_mode === 'async' ? 'async' : undefined,
    consumerLimits: Object.keys(consumerLimits).length ? consumerLimits : undefined,
    metadata: userMetadata(c.metadata),
  });
}
