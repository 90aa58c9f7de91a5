/**
 * ObjectStore spec <-> the JetStream StreamConfig of stream `OBJ_<bucket>`, following nats.go
 * `prepareObjectStoreConfig` (NACK's control loop calls it through CreateObjectStore/UpdateObjectStore).
 */
import type { ApiConfig } from '../kind.js';
import { userMetadata } from '../kind.js';
import { compact, durationFromApi, ns, placementFromApi, placementToApi, positive } from '../common.js';
import type { ObjectStoreSpec, ObjectStoreSpecInput } from './schema.js';

export const OBJ_PREFIX = 'OBJ_';

export const objStreamName = (bucket: string) => `${OBJ_PREFIX}${bucket}`;
export const objSubjects = (bucket: string) => [`$O.${bucket}.C.>`, `$O.${bucket}.M.>`];

export function objectStoreToApi(s: ObjectStoreSpec): ApiConfig {
  return compact({
    name: objStreamName(s.bucket),
    description: s.description || undefined,
    subjects: objSubjects(s.bucket),
    retention: 'limits',
    max_consumers: -1,
    max_msgs: -1,
    max_bytes: s.maxBytes ? s.maxBytes : -1,
    max_age: s.ttl ? ns(s.ttl) : 0,
    max_msgs_per_subject: -1,
    max_msg_size: -1,
    discard: 'new',
    storage: s.storage ?? 'file',
    num_replicas: s.replicas > 0 ? s.replicas : 1,
    // no duplicate_window: nats.go leaves it to the server (min(max_age, 2m))
    placement: placementToApi(s.placement),
    allow_rollup_hdrs: true,
    allow_direct: true,
    compression: s.compression ? 's2' : undefined,
    metadata: s.metadata && Object.keys(s.metadata).length ? s.metadata : undefined,
  });
}

/** Live `OBJ_` StreamConfig -> the shortest ObjectStore spec that maps back to it (defaults left out). */
export function objectStoreFromApi(c: ApiConfig): ObjectStoreSpecInput {
  const name = String(c.name);
  return compact({
    bucket: name.startsWith(OBJ_PREFIX) ? name.slice(OBJ_PREFIX.length) : name,
    description: (c.description as string) || undefined,
    ttl: durationFromApi(c.max_age),
    maxBytes: positive(c.max_bytes),
    storage: c.storage === 'memory' ? 'memory' : undefined,
    replicas: typeof c.num_replicas === 'number' && c.num_replicas > 1 ? c.num_replicas : undefined,
    placement: placementFromApi(c.placement),
    compression: c.compression === 's2' ? true : undefined,
    metadata: userMetadata(c.metadata),
  });
}
