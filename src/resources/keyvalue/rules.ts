/** What nats-server refuses in a KeyValue bucket beyond its shape (the bucket is the stream KV_<bucket>). */
import { descriptionIssues, issue, type SpecRule } from '../rules.js';
import { byteLength, MAX_NAME_BYTES } from '../subjects.js';
import type { KeyValueSpec } from './schema.js';

/** The stream name of a bucket (`KV_`/`OBJ_` + bucket) must fit nats-server's JSMaxNameLen. */
export function bucketNameIssues(bucket: string, prefix: 'KV_' | 'OBJ_') {
  const n = byteLength(prefix + bucket);
  if (n <= MAX_NAME_BYTES) return [];
  return [issue(['bucket'], 'JK1014', `bucket name is too long: its stream ${prefix}<bucket> has ${n} bytes, nats-server allows at most ${MAX_NAME_BYTES} (JSMaxNameLen)`, `use at most ${MAX_NAME_BYTES - prefix.length} characters`)];
}

export const keyValueRules: readonly SpecRule<KeyValueSpec>[] = [
  { id: 'keyvalue/bucket', kind: 'KeyValue', summary: 'the stream KV_<bucket> is at most 255 bytes', server: 'checkStreamCfg JSMaxNameLen', check: (s) => bucketNameIssues(s.bucket, 'KV_') },
  { id: 'keyvalue/description', kind: 'KeyValue', summary: 'descriptions of at most 4 KiB', server: 'checkStreamCfg JSMaxDescriptionLen', check: (s) => descriptionIssues(s.description) },
];
