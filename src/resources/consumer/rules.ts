/**
 * What nats-server refuses in a consumer config beyond its shape (server/consumer.go
 * checkConsumerCfg, setConsumerConfigDefaults), as rules on the parsed spec. Rules that need the
 * stream (work queues, replicas, filters inside the stream) are cross-resource: manifests/cross.ts.
 */
import { parseDuration } from '../duration.js';
import {
  descriptionIssues, issue, metadataIssues, nameIssues, subjectListIssues, type RuleIssue, type SpecRule,
} from '../rules.js';
import { isLiteralSubject, isValidSubject } from '../subjects.js';
import type { ConsumerSpec } from './schema.js';

const MS = 1_000_000;
/** nats-server validGroupName (`^[a-zA-Z0-9/_=-]{1,16}$`) without "/", which the NATS client refuses */
const GROUP_NAME = /^[a-zA-Z0-9_=-]{1,16}$/;

function nanos(d: string | undefined): number {
  if (!d) return 0;
  const r = parseDuration(d);
  return 'error' in r ? 0 : r.ns;
}

type Rule = SpecRule<ConsumerSpec>;
const rule = (id: string, summary: string, server: string, check: Rule['check'], since?: string): Rule =>
  ({ id: `consumer/${id}`, kind: 'Consumer', summary, server, check, since });

const warning = (r: RuleIssue): RuleIssue => ({ ...r, severity: 'warning' });

/** The filters as the server sees them: filterSubject or filterSubjects. */
export function consumerFilters(s: Pick<ConsumerSpec, 'filterSubject' | 'filterSubjects'>): string[] {
  return s.filterSubject ? [s.filterSubject] : (s.filterSubjects ?? []);
}

function filterRules(s: ConsumerSpec): RuleIssue[] {
  if (s.filterSubject) return subjectListIssues(['filterSubject'], [s.filterSubject], 'filterSubject', 'subset').map((i) => ({ ...i, path: ['filterSubject'] }));
  return subjectListIssues(['filterSubjects'], s.filterSubjects, 'filter subject', 'subset')
    .map((i) => (i.message.includes('overlaps') || i.message.includes('twice') ? { ...i, message: `${i.message}: consumer subject filters cannot overlap` } : i));
}

function pushRules(s: ConsumerSpec): RuleIssue[] {
  const d = s.deliverSubject;
  if (!d) return [];
  const out: RuleIssue[] = [];
  if (!isLiteralSubject(d)) out.push(issue(['deliverSubject'], 'JK1013', 'consumer deliver subject has wildcards', 'use a literal subject such as deliver.orders'));
  else if (!isValidSubject(d)) out.push(issue(['deliverSubject'], 'JK1013', 'invalid push consumer deliver subject', 'write tokens separated by single dots, no spaces'));
  if (s.maxWaiting) out.push(issue(['maxWaiting'], 'JK1009', 'consumer in push mode can not set max waiting', 'remove maxWaiting (it is for pull consumers) or deliverSubject'));
  if (s.maxAckPending !== undefined && s.maxAckPending > 0 && s.ackPolicy === 'none') {
    out.push(issue(['maxAckPending'], 'JK1009', 'consumer requires ack policy for max ack pending', 'set ackPolicy: explicit (or all), or remove maxAckPending'));
  }
  const hb = nanos(s.heartbeatInterval);
  if (hb > 0 && hb < 100 * MS) out.push(issue(['heartbeatInterval'], 'JK1005', 'consumer idle heartbeat needs to be >= 100ms', 'set heartbeatInterval to 100ms or more'));
  if (s.flowControl && hb === 0) out.push(issue(['flowControl'], 'JK1009', 'consumer with flow control also needs heartbeats', 'add heartbeatInterval: 5s'));
  if (s.deliverGroup && (s.flowControl || hb > 0)) {
    out.push(issue([s.flowControl ? 'flowControl' : 'heartbeatInterval'], 'JK1009', `${s.flowControl ? 'flowControl' : 'heartbeatInterval'} and deliverGroup are mutually exclusive (the NATS client refuses the consumer)`, 'remove deliverGroup, or flowControl and heartbeatInterval'));
  }
  for (const f of ['maxRequestBatch', 'maxRequestExpires', 'maxRequestMaxBytes'] as const) {
    if (s[f]) out.push(warning(issue([f], 'JK1009', `${f} only applies to pull consumers; deliverSubject makes this a push consumer`, `remove ${f}`)));
  }
  return out;
}

function pullRules(s: ConsumerSpec): RuleIssue[] {
  if (s.deliverSubject) return [];
  const out: RuleIssue[] = [];
  const push = 'remove it, or add deliverSubject to make this a push consumer';
  if (s.rateLimitBps) out.push(issue(['rateLimitBps'], 'JK1009', 'consumer in pull mode can not have rate limit set', push));
  if (nanos(s.heartbeatInterval) > 0) out.push(issue(['heartbeatInterval'], 'JK1009', 'consumer idle heartbeat requires a push based consumer', push));
  if (s.flowControl) out.push(issue(['flowControl'], 'JK1009', 'consumer flow control requires a push based consumer', push));
  if (s.deliverGroup) out.push(warning(issue(['deliverGroup'], 'JK1009', 'deliverGroup only applies to push consumers; without deliverSubject this is a pull consumer', push)));
  return out;
}

/** Start options that the deliver policy ignores (they are not sent). */
function startRules(s: ConsumerSpec): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (s.optStartSeq && s.deliverPolicy !== 'byStartSequence') {
    out.push(warning(issue(['optStartSeq'], 'JK1009', `optStartSeq is ignored with deliverPolicy ${s.deliverPolicy}`, 'remove optStartSeq or set deliverPolicy: byStartSequence')));
  }
  if (s.optStartTime && s.deliverPolicy !== 'byStartTime') {
    out.push(warning(issue(['optStartTime'], 'JK1009', `optStartTime is ignored with deliverPolicy ${s.deliverPolicy}`, 'remove optStartTime or set deliverPolicy: byStartTime')));
  }
  return out;
}

function priorityRules(s: ConsumerSpec): RuleIssue[] {
  const out: RuleIssue[] = [];
  const policy = s.priorityPolicy !== '' && s.priorityPolicy !== 'none';
  (s.priorityGroups ?? []).forEach((g, i) => {
    if (!GROUP_NAME.test(g)) {
      out.push(issue(['priorityGroups', i], 'JK1014', `priority group ${JSON.stringify(g)}: valid priority group name must match A-Z, a-z, 0-9, -_= and may not exceed 16 characters`, 'use up to 16 letters, digits, "-", "_" or "=" (the NATS client refuses "/")'));
    }
  });
  if (!policy && s.priorityGroups?.length) out.push(warning(issue(['priorityGroups'], 'JK1009', 'priorityGroups are ignored without a priorityPolicy', 'set priorityPolicy (e.g. overflow) or remove priorityGroups')));
  if (!policy && s.pinnedTtl) out.push(warning(issue(['pinnedTtl'], 'JK1009', 'pinnedTtl is ignored without priorityPolicy pinned_client', 'set priorityPolicy: pinned_client or remove pinnedTtl')));
  return out;
}

/** What ackPolicy flow_control needs (nats-server 2.14, 10218-10222): a push consumer acked through flow control only. */
function flowControlAckRules(s: ConsumerSpec): RuleIssue[] {
  if (s.ackPolicy !== 'flow_control') return [];
  const out: RuleIssue[] = [];
  if (!s.deliverSubject) out.push(issue(['ackPolicy'], 'JK1009', 'flow control ack policy requires a push based consumer', 'add deliverSubject: <subject>'));
  if (s.ackWait || s.backoff?.length) {
    out.push(issue([s.ackWait ? 'ackWait' : 'backoff'], 'JK1009', 'flow control ack policy requires unset ack wait (and no backoff)', 'remove ackWait and backoff'));
  }
  if (s.maxDeliver !== undefined && s.maxDeliver > 0) out.push(issue(['maxDeliver'], 'JK1009', 'flow control ack policy requires unset max deliver', 'remove maxDeliver'));
  if (s.maxAckPending !== undefined && s.maxAckPending < 0) {
    out.push(issue(['maxAckPending'], 'JK1009', 'flow control ack policy requires max ack pending', 'remove maxAckPending (1000) or set it above 0'));
  }
  const hb = nanos(s.heartbeatInterval);
  if (hb !== 0 && hb !== 1_000 * MS) out.push(issue(['heartbeatInterval'], 'JK1009', 'flow control ack policy heartbeat needs to be 1s', 'remove heartbeatInterval or set it to 1s'));
  return out;
}

export const consumerRules: readonly Rule[] = [
  rule('names', 'stream and durable names: no whitespace, ".", "*", ">", "\\", "/", control characters; at most 255 bytes', 'checkConsumerCfg isValidAssetName (10103, 10127), JSMaxNameLen (10102)',
    (s) => [...nameIssues(['streamName'], s.streamName, 'stream name'), ...nameIssues(['durableName'], s.durableName, 'durable name')]),
  rule('description', 'descriptions of at most 4 KiB', 'checkConsumerCfg JSMaxDescriptionLen', (s) => descriptionIssues(s.description)),
  rule('metadata', 'metadata of at most 128 KiB', 'checkConsumerCfg (10135)', (s) => metadataIssues(s.metadata)),
  rule('filters', 'valid filter subjects that do not overlap each other', 'checkConsumerCfg (10138, 10139)', filterRules),
  rule('push', 'what a push consumer (deliverSubject) cannot have', 'checkConsumerCfg (10079, 10080, 10083, 10108, 10112); nats.js consumers.add (deliver group)', pushRules),
  rule('pull', 'what a pull consumer (no deliverSubject) cannot have', 'checkConsumerCfg (10086, 10088, 10089)', pullRules),
  rule('start', 'start options the deliver policy ignores', 'consumer map (not sent)', startRules),
  rule('priority', 'priority group names and the fields a priority policy needs', 'checkConsumerCfg (10161, 10162)', priorityRules, '2.11.0'),
  rule('flow-control-acks', 'ackPolicy flow_control: push, no ackWait, backoff or maxDeliver, pending acks above 0, a 1s heartbeat', 'checkConsumerCfg (10218-10222)', flowControlAckRules, '2.14.0'),
];
