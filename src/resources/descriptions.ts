/**
 * What each manifest field means, in one or two sentences, per kind: read by `jetkeeper explain`
 * beside the field tables (API name, defaults, version, change class). Additive: a field with no
 * entry here is still explained from its table and schema.
 */
import type { KindName } from './kind.js';

const CONNECTION: Readonly<Record<string, string>> = {
  account: 'The Account resource (metadata.name) whose connection settings this resource uses.',
  creds: 'A credentials file (.creds) to connect with, for this resource only.',
  nkey: 'A file holding an NKey seed to connect with, for this resource only.',
  servers: 'NATS server URLs for this resource, overriding the default connection.',
  tls: 'TLS files (CA, client certificate and key) for this resource\'s connection.',
  tlsFirst: 'Do the TLS handshake before the NATS protocol (servers with handshake_first).',
  jsDomain: 'The JetStream domain to manage this resource in (leaf nodes, hubs).',
  preventDelete: 'Never delete the asset on the server, also when the manifest is removed or pruned.',
  preventUpdate: 'Never update the asset on the server after it is created: changes are skipped.',
};

const STREAM: Readonly<Record<string, string>> = {
  name: 'The stream\'s name on the server (not metadata.name). Consumers refer to it as streamName.',
  description: 'Free text shown by the server and tools.',
  subjects: 'The subjects whose messages the stream stores; wildcards * and > allowed. Two streams of one account may not overlap.',
  retention: 'When messages are removed: limits (when a limit is reached; replayable history), interest (once every consumer acknowledged), workqueue (once one consumer acknowledged).',
  maxConsumers: 'How many consumers the stream may have; -1 is unlimited.',
  maxMsgs: 'How many messages the stream keeps; -1 is unlimited. What happens at the limit follows discard.',
  maxBytes: 'How many bytes the stream keeps; -1 is unlimited. What happens at the limit follows discard.',
  maxAge: 'How long a message is kept (a Go duration such as 24h). Absent means NACK\'s one year; 0s keeps messages forever.',
  maxMsgsPerSubject: 'How many messages are kept per subject (e.g. the last value of each key); 0 is unlimited.',
  maxMsgSize: 'The largest message the stream accepts, in bytes; -1 is unlimited.',
  discard: 'At a limit: old removes the oldest messages, new refuses new ones (publishers get an error).',
  storage: 'Where messages are kept: file (survives restarts) or memory (lost on restart). NACK\'s CRD default is memory.',
  replicas: 'How many servers hold a copy (1 to 5). 3 survives the loss of one server, 5 of two.',
  noAck: 'Do not acknowledge publishes into the stream (needed for a stream on >).',
  duplicateWindow: 'How long the server remembers message IDs (Nats-Msg-Id) to drop duplicate publishes.',
  placement: 'Which cluster and server tags the stream\'s replicas are placed on.',
  mirror: 'Makes the stream a read-only copy of another stream (no subjects of its own).',
  sources: 'Other streams whose messages are copied into this one, optionally filtered and transformed.',
  sealed: 'Seals the stream: no more messages, deletes or purges. Cannot be undone.',
  denyDelete: 'Refuses deleting single messages through the API. Cannot be undone.',
  denyPurge: 'Refuses purging the stream through the API. Cannot be undone.',
  allowRollup: 'Allows the Nats-Rollup header to replace all messages of a subject (or the stream) with one.',
  allowDirect: 'Allows direct get: any replica answers reads of single messages (faster KV-style reads).',
  mirrorDirect: 'Allows a mirror to answer direct gets for its origin stream.',
  republish: 'Republishes every stored message to another subject (source pattern to destination), e.g. for notifications.',
  discardPerSubject: 'With discard: new and maxMsgsPerSubject, refuses new messages per subject instead of for the whole stream.',
  metadata: 'Key/value pairs stored with the stream; keys starting with _nats. are the server\'s. jetkeeper writes jetkeeper.io/owner here.',
  compression: 'Compresses stored messages on disk: s2, or none (the default).',
  firstSequence: 'The sequence number of the first message of a new stream.',
  subjectTransform: 'Rewrites the subject of each incoming message (source pattern to destination) before it is stored.',
  consumerLimits: 'Defaults and limits for the stream\'s consumers: inactiveThreshold, maxAckPending.',
  allowMsgTtl: 'Allows a per-message TTL (Nats-TTL header). Cannot be turned off again.',
  subjectDeleteMarkerTtl: 'Leaves a delete marker when maxAge removes the last message of a subject, kept for this long.',
  allowMsgCounter: 'Makes the stream a counter: messages add to a per-subject sum (Nats-Incr).',
  allowAtomicPublish: 'Allows atomic batch publishes: all messages of a batch are stored, or none.',
  allowMsgSchedules: 'Allows scheduled messages (Nats-Schedule headers). Cannot be turned off again.',
  persistMode: 'How writes reach the disk: default (synchronous per write) or async (faster, may lose the last writes on a crash).',
  allowBatched: 'Allows fast batch publishing (flow-controlled batches without per-message acks).',
};

const CONSUMER: Readonly<Record<string, string>> = {
  streamName: 'The stream (its spec.name on the server) the consumer reads.',
  durableName: 'The consumer\'s name on the server; it keeps its position across restarts.',
  description: 'Free text shown by the server and tools.',
  deliverPolicy: 'Where a new consumer starts: all, last, new, byStartSequence (optStartSeq), byStartTime (optStartTime), lastPerSubject.',
  optStartSeq: 'The first stream sequence to deliver, with deliverPolicy: byStartSequence.',
  optStartTime: 'The first time to deliver from (RFC 3339), with deliverPolicy: byStartTime.',
  deliverSubject: 'Makes it a push consumer that sends messages to this subject. Absent: a pull consumer (recommended).',
  deliverGroup: 'The queue group that shares the messages of a push consumer.',
  ackPolicy: 'How messages are acknowledged: explicit (each one), all (one ack covers earlier ones), none (delivered = done). NACK\'s CRD default is none; the nats CLI and the client libraries default to explicit.',
  ackWait: 'How long the server waits for an ack before redelivering (a Go duration). NACK\'s CRD default is 1ns (nats-io/nack#136); jetkeeper uses the server\'s 30s.',
  maxDeliver: 'How many times a message is delivered at most; -1 is unlimited. When reached, the server sends the MAX_DELIVERIES advisory.',
  backoff: 'Redelivery delays, one per attempt (replaces ackWait); the last one repeats.',
  filterSubject: 'Only messages whose subject matches this (wildcards allowed) are delivered.',
  filterSubjects: 'Several filter subjects (nats-server 2.10+); use instead of filterSubject.',
  replayPolicy: 'instant (as fast as possible) or original (at the pace they were stored).',
  sampleFreq: 'Percentage of acks the server samples into the ack advisory (0 to 100, e.g. "50%").',
  maxWaiting: 'How many pull requests may wait at once (pull consumers).',
  rateLimitBps: 'Delivery rate limit of a push consumer, in bits per second.',
  maxAckPending: 'How many messages may be unacknowledged at once; delivery pauses at the limit.',
  flowControl: 'Flow control for a push consumer (needs heartbeatInterval).',
  headersOnly: 'Deliver headers only, without the payload (Nats-Msg-Size says how big it was).',
  heartbeatInterval: 'Idle heartbeats of a push consumer: how often the server says it is alive when there is nothing to send.',
  maxRequestBatch: 'The largest batch one pull request may ask for.',
  maxRequestExpires: 'The longest a pull request may wait.',
  maxRequestMaxBytes: 'The most bytes one pull request may ask for.',
  inactiveThreshold: 'How long a consumer may be idle before the server deletes it (for durable consumers: only when set).',
  pauseUntil: 'Pauses delivery until this time (RFC 3339).',
  priorityPolicy: 'Priority groups of a pull consumer: pinned_client (one client at a time), overflow (others get messages past a threshold), prioritized.',
  pinnedTtl: 'With pinned_client: how long a pinned client keeps its pin without pulling.',
  priorityGroups: 'The names of the consumer\'s priority groups.',
  replicas: 'Replicas of the consumer\'s state; 0 follows the stream.',
  memStorage: 'Keeps the consumer\'s state in memory, even on a file stream.',
  metadata: 'Key/value pairs stored with the consumer; jetkeeper writes jetkeeper.io/owner here.',
};

const KEYVALUE: Readonly<Record<string, string>> = {
  bucket: 'The bucket\'s name; the server keeps it in the stream KV_<bucket>.',
  description: 'Free text shown by the server and tools.',
  maxValueSize: 'The largest value a key may hold, in bytes; -1 is unlimited.',
  history: 'How many values are kept per key, up to 64 (0 and 1 keep the latest only).',
  ttl: 'How long a value is kept (a Go duration); absent keeps values forever.',
  limitMarkerTtl: 'How long the delete markers of values removed by ttl are kept, in nanoseconds (an integer, unlike the other durations, as in NACK).',
  maxBytes: 'How many bytes the bucket keeps; -1 is unlimited.',
  storage: 'file (survives restarts) or memory.',
  replicas: 'How many servers hold a copy (1 to 5).',
  placement: 'Which cluster and server tags the bucket\'s replicas are placed on.',
  republish: 'Republishes every change to another subject.',
  mirror: 'Makes the bucket a read-only copy of another bucket.',
  compression: 'Compresses the bucket\'s data on disk.',
  sources: 'Other buckets whose keys are copied into this one.',
};

const OBJECTSTORE: Readonly<Record<string, string>> = {
  bucket: 'The store\'s name; the server keeps it in the stream OBJ_<bucket>.',
  description: 'Free text shown by the server and tools.',
  ttl: 'How long an object is kept (a Go duration); absent keeps objects forever.',
  maxBytes: 'How many bytes the store keeps; -1 is unlimited.',
  storage: 'file (survives restarts) or memory.',
  replicas: 'How many servers hold a copy (1 to 5).',
  placement: 'Which cluster and server tags the store\'s replicas are placed on.',
  compression: 'Compresses the stored objects on disk.',
  metadata: 'Key/value pairs stored with the object store.',
};

const ACCOUNT: Readonly<Record<string, string>> = {
  name: 'The account\'s name.',
  servers: 'NATS server URLs of the account; resources naming the account connect there.',
  tls: 'TLS files for the account\'s connection.',
  creds: 'The credentials file (.creds) resources of the account connect with.',
  nkey: 'The NKey seed file resources of the account connect with.',
  token: 'The file holding the token resources of the account connect with.',
  user: 'The files holding the user and password resources of the account connect with.',
  tlsFirst: 'Do the TLS handshake before the NATS protocol.',
};

const BY_KIND: Readonly<Record<KindName, Readonly<Record<string, string>>>> = {
  Stream: { ...STREAM, ...CONNECTION },
  Consumer: { ...CONSUMER, ...CONNECTION },
  KeyValue: { ...KEYVALUE, ...CONNECTION },
  ObjectStore: { ...OBJECTSTORE, ...CONNECTION },
  Account: ACCOUNT,
};

/** What a manifest field means, or undefined when no description is written yet. */
export function fieldDescription(kind: KindName, field: string): string | undefined {
  return BY_KIND[kind][field];
}
