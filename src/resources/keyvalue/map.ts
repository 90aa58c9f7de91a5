/**
 * KeyValue spec <-> the JetStream StreamConfig of stream `KV_<bucket>`, following nats.go
 * `prepareKeyValueConfig` (which NACK's control loop calls through CreateKeyValue/UpdateKeyValue).
 */
import type { ApiConfig } from '../kind.js';
import {
  compact, durationFromApi, ns, placementFromApi, placementToApi, positive, republishFromApi, republishToApi,
  sourceFromApi, sourceToApi, type StreamSourceSpec,
} from '../common.js';
import { defaultDuplicateWindow } from '../stream/map.js';
import type { KeyValueSpec, KeyValueSpecInput } from './schema.js';

export const KV_PREFIX = 'KV_';

export const kvStreamName = (bucket: string) => `${KV_PREFIX}${bucket}`;
export const kvSubject = (bucket: string) => `$KV.${bucket}.>`;

const withPrefix = (name: string) => (name.startsWith(KV_PREFIX) ? name : `${KV_PREFIX}${name}`);
const withoutPrefix = (name: string) => (name.startsWith(KV_PREFIX) ? name.slice(KV_PREFIX.length) : name);

/**
 * A source as nats.go rewrites it for a bucket: a source with its own subject transforms is used
 * as is (full stream name, no `KV_` added); otherwise `KV_` is added to the name and the source
 * bucket's subjects are mapped onto this bucket's, unless it is an external source of a bucket
 * with the same name (the same bucket in another domain).
 */
export function kvSourceToApi(bucket: string, s: StreamSourceSpec): ApiConfig {
  const api = sourceToApi(s);
  if (s.subjectTransforms?.length) return api;
  const srcBucket = withoutPrefix(s.name);
  api.name = kvStreamName(srcBucket);
  const external = Boolean(s.externalApiPrefix || s.externalDeliverPrefix);
  if (!external || srcBucket !== bucket) {
    api.subject_transforms = [{ src: kvSubject(srcBucket), dest: kvSubject(bucket) }];
  }
  return api;
}

export function keyValueToApi(s: KeyValueSpec): ApiConfig {
  const ttl = s.ttl ? ns(s.ttl) : 0;
  const marker = positive(s.limitMarkerTtl);
  const mirror = s.mirror ? { ...sourceToApi(s.mirror), name: withPrefix(s.mirror.name) } : undefined;
  return compact({
    name: kvStreamName(s.bucket),
    description: s.description || undefined,
    subjects: mirror ? undefined : [kvSubject(s.bucket)],
    retention: 'limits',
    max_consumers: -1,
    max_msgs: -1,
    max_bytes: s.maxBytes ? s.maxBytes : -1,
    max_age: ttl,
    max_msgs_per_subject: s.history && s.history > 0 ? s.history : 1,
    max_msg_size: s.maxValueSize ? s.maxValueSize : -1,
    discard: 'new',
    storage: s.storage ?? 'file',
    num_replicas: s.replicas > 0 ? s.replicas : 1,
    // nats.go sets it explicitly: min(ttl, 2m), or 2m without a ttl (the server's own default too)
    duplicate_window: defaultDuplicateWindow(ttl),
    placement: placementToApi(s.placement),
    mirror,
    mirror_direct: mirror ? true : undefined,
    sources: !mirror && s.sources?.length ? s.sources.map((src) => kvSourceToApi(s.bucket, src)) : undefined,
    deny_delete: true,
    allow_rollup_hdrs: true,
    allow_direct: true,
    compression: s.compression ? 's2' : undefined,
    republish: republishToApi(s.republish),
    allow_msg_ttl: marker ? true : undefined,
    subject_delete_marker_ttl: marker,
  });
}

/** A live source back to the manifest form that `kvSourceToApi` turns into it (where there is one). */
function kvSourceFromApi(bucket: string, a: ApiConfig): StreamSourceSpec {
  const spec = sourceFromApi(a);
  const name = spec.name;
  if (!name.startsWith(KV_PREFIX)) return spec; // only expressible with explicit transforms
  const srcBucket = withoutPrefix(name);
  const t = spec.subjectTransforms;
  const generated =
    t?.length === 1 && t[0].source === kvSubject(srcBucket) && t[0].dest === kvSubject(bucket);
  const external = Boolean(spec.externalApiPrefix || spec.externalDeliverPrefix);
  if (generated) return compact({ ...spec, name: srcBucket, subjectTransforms: undefined });
  if (!t?.length && external && srcBucket === bucket) return { ...spec, name: srcBucket };
  return spec;
}

/** Live `KV_` StreamConfig -> the shortest KeyValue spec that maps back to it (defaults left out). */
export function keyValueFromApi(c: ApiConfig): KeyValueSpecInput {
  const bucket = withoutPrefix(String(c.name));
  const history = typeof c.max_msgs_per_subject === 'number' ? c.max_msgs_per_subject : 1;
  const mirror = c.mirror ? sourceFromApi(c.mirror as ApiConfig) : undefined;
  if (mirror) mirror.name = withoutPrefix(mirror.name);
  const sources = c.sources as ApiConfig[] | undefined;
  return compact({
    bucket,
    description: (c.description as string) || undefined,
    maxValueSize: positive(c.max_msg_size),
    history: history > 1 ? history : undefined,
    ttl: durationFromApi(c.max_age),
    limitMarkerTtl: positive(c.subject_delete_marker_ttl),
    maxBytes: positive(c.max_bytes),
    storage: c.storage === 'memory' ? 'memory' : undefined,
    replicas: typeof c.num_replicas === 'number' && c.num_replicas > 1 ? c.num_replicas : undefined,
    placement: placementFromApi(c.placement),
    republish: republishFromApi(c.republish),
    mirror,
    compression: c.compression === 's2' ? true : undefined,
    sources: sources?.length ? sources.map((s) => kvSourceFromApi(bucket, s)) : undefined,
  });
}
