/** What nats-server refuses in an ObjectStore bucket beyond its shape (the bucket is the stream OBJ_<bucket>). */
import { descriptionIssues, metadataIssues, type SpecRule } from '../rules.js';
import { bucketNameIssues, ttlIssues } from '../keyvalue/rules.js';
import type { ObjectStoreSpec } from './schema.js';

export const objectStoreRules: readonly SpecRule<ObjectStoreSpec>[] = [
  { id: 'objectstore/bucket', kind: 'ObjectStore', summary: 'the stream OBJ_<bucket> is at most 255 bytes', server: 'checkStreamCfg JSMaxNameLen', check: (s) => bucketNameIssues(s.bucket, 'OBJ_') },
  { id: 'objectstore/description', kind: 'ObjectStore', summary: 'descriptions of at most 4 KiB', server: 'checkStreamCfg JSMaxDescriptionLen', check: (s) => descriptionIssues(s.description) },
  { id: 'objectstore/ttl', kind: 'ObjectStore', summary: 'a ttl of 0 or at least 100ms', server: 'checkStreamCfg (10052)', check: (s) => ttlIssues(s.ttl) },
  { id: 'objectstore/metadata', kind: 'ObjectStore', summary: 'metadata of at most 128 KiB', server: 'checkStreamCfg JSMaxMetadataLen', check: (s) => metadataIssues(s.metadata) },
];
