/**
 * What nats-server refuses in a stream config beyond its shape (server/stream.go
 * checkStreamCfg, jetstream_api.go jsStreamCreateRequest), as rules on the parsed spec.
 */
import { parseDuration } from '../duration.js';
import {
  descriptionIssues, issue, metadataIssues, nameIssues, subjectIssues, subjectListIssues, type RuleIssue, type SpecPath,
  type SpecRule,
} from '../rules.js';
import { isLiteralSubject, isValidSubject, subjectIsSubsetMatch, subjectsCollide, transformProblem } from '../subjects.js';
import type { StreamSourceSpec } from '../common.js';
import type { StreamSpec } from './schema.js';

const MS = 1_000_000;
const INT32_MAX = 2_147_483_647;
/** the max_age NACK sends when a spec has none (jsm.go's template): one year */
const NACK_DEFAULT_MAX_AGE_NS = 8760 * 3_600_000_000_000;

/** Nanoseconds of a checked duration; 0 for unset. */
function nanos(d: string | undefined): number {
  if (!d) return 0;
  const r = parseDuration(d);
  return 'error' in r ? 0 : r.ns;
}

/** max_age as sent: an absent maxAge is NACK's one year, "0" is unlimited. */
export function effectiveMaxAge(s: Pick<StreamSpec, 'maxAge'>): number {
  return s.maxAge ? nanos(s.maxAge) : NACK_DEFAULT_MAX_AGE_NS;
}

type Rule = SpecRule<StreamSpec>;
const rule = (id: string, summary: string, server: string, check: Rule['check'], since?: string): Rule =>
  ({ id: `stream/${id}`, kind: 'Stream', summary, server, check, since });

/** The reserved subject spaces a stream may only capture with noAck (checkStreamCfg). */
function reservedIssue(subject: string): string | undefined {
  for (const ns of ['$JS.>', '$JSC.>', '$NRG.>']) {
    if (subjectsCollide(subject, ns) && !subjectIsSubsetMatch(subject, '$JS.EVENT.>')) {
      return 'subjects that overlap with jetstream api require no-ack to be true';
    }
  }
  if (subjectsCollide(subject, '$SYS.>') && !subjectIsSubsetMatch(subject, '$SYS.ACCOUNT.>')) {
    return 'subjects that overlap with system api require no-ack to be true';
  }
  return undefined;
}

function subjectRules(s: StreamSpec): RuleIssue[] {
  const out = subjectListIssues(['subjects'], s.subjects, 'subject', 'collide');
  if (out.length) return out;
  (s.subjects ?? []).forEach((subject, i) => {
    if (subject === '>') {
      if (!s.noAck) out.push(issue(['subjects', i], 'JK1013', 'capturing all subjects requires no-ack to be true', 'list the subjects this stream stores (e.g. orders.>), or set noAck: true'));
      else if (s.replicas !== 1) out.push(issue(['subjects', i], 'JK1009', 'capturing all subjects requires replicas of 1', 'set replicas: 1 or list narrower subjects'));
      return;
    }
    // nats-server before 2.11 refuses any subject inside $JS.API.> (noAck or not); 2.11 allows it with noAck
    if (subjectIsSubsetMatch(subject, '$JS.API.>')) {
      out.push(issue(['subjects', i], 'JK1013', `${JSON.stringify(subject)}: subjects overlap with jetstream api`, 'choose subjects outside $JS.API. (nats-server before 2.11 refuses them even with noAck)'));
      return;
    }
    const reserved = s.noAck ? undefined : reservedIssue(subject);
    if (reserved) out.push(issue(['subjects', i], 'JK1013', `${JSON.stringify(subject)}: ${reserved}`, 'choose subjects outside $JS., $JSC., $NRG. and $SYS., or set noAck: true'));
  });
  return out;
}

function limitRules(s: StreamSpec): RuleIssue[] {
  const out: RuleIssue[] = [];
  const maxAge = effectiveMaxAge(s);
  if (maxAge !== 0 && maxAge < 100 * MS) out.push(issue(['maxAge'], 'JK1005', 'max age needs to be >= 100ms', 'set maxAge to 100ms or more, or "0" for unlimited'));
  const dup = nanos(s.duplicateWindow);
  if (dup > 0 && dup < 100 * MS) out.push(issue(['duplicateWindow'], 'JK1005', 'duplicates window needs to be >= 100ms', 'set duplicateWindow to 100ms or more'));
  if (dup > 0 && maxAge !== 0 && dup > maxAge) {
    const fix = s.maxAge ? `shorten duplicateWindow to at most maxAge (${s.maxAge})` : 'shorten duplicateWindow to at most 8760h (the maxAge NACK sends when none is given), or set maxAge';
    out.push(issue(['duplicateWindow'], 'JK1009', 'duplicates window can not be larger then max age', fix));
  }
  if (s.maxMsgSize > INT32_MAX) out.push(issue(['maxMsgSize'], 'JK1005', `maxMsgSize ${s.maxMsgSize} does not fit the server's int32 (at most ${INT32_MAX})`, `use at most ${INT32_MAX} bytes, or -1 for unlimited`));
  const marker = nanos(s.subjectDeleteMarkerTtl);
  if (marker > 0 && marker < 1000 * MS) out.push(issue(['subjectDeleteMarkerTtl'], 'JK1005', 'subject delete marker TTL must be at least 1 second', 'set subjectDeleteMarkerTtl to 1s or more'));
  return out;
}

/** Features that exclude each other (checkStreamCfg: counters, schedules, persist mode, mirror direct). */
function featureRules(s: StreamSpec): RuleIssue[] {
  const out: RuleIssue[] = [];
  const c = (path: string, msg: string, fix: string) => out.push(issue([path], 'JK1009', msg, fix));
  if (s.allowMsgCounter) {
    if (s.discard === 'new') c('allowMsgCounter', 'counter stream cannot use discard new', 'use discard: old');
    if (s.allowMsgTtl) c('allowMsgCounter', 'counter stream cannot use message TTLs', 'remove allowMsgTtl');
    if (s.allowMsgSchedules) c('allowMsgCounter', 'counter stream cannot use message schedules', 'remove allowMsgSchedules');
    if (s.retention !== 'limits') c('allowMsgCounter', 'counter stream can only use limits retention', 'use retention: limits');
  }
  if (s.allowMsgSchedules && s.discard === 'new') c('allowMsgSchedules', 'message scheduling cannot use discard new', 'use discard: old');
  if (s.allowMsgSchedules && s.sources?.length) c('allowMsgSchedules', 'stream source can not also schedule messages', 'remove allowMsgSchedules or the sources');
  if (s.persistMode === 'async') {
    if (s.storage !== 'file') c('persistMode', 'async persist mode is only supported on file storage', 'set storage: file (the CRD default is memory)');
    if (s.replicas > 1) c('persistMode', 'async persist mode is not supported on replicated streams', 'set replicas: 1 or remove persistMode');
    if (s.allowAtomicPublish) c('persistMode', 'async persist mode is not supported with atomic batch publish', 'remove allowAtomicPublish or persistMode');
  }
  if (s.mirrorDirect && !s.mirror) c('mirrorDirect', 'stream has no mirror but does have mirror direct', 'remove mirrorDirect or add a mirror');
  return out;
}

function mirrorRules(s: StreamSpec): RuleIssue[] {
  const m = s.mirror;
  if (!m) return [];
  const out: RuleIssue[] = [];
  const c = (path: string, msg: string, fix: string) => out.push(issue([path], 'JK1009', msg, fix));
  if (s.firstSequence > 0) c('firstSequence', 'stream mirrors can not have first sequence configured', 'remove firstSequence');
  if (s.allowMsgCounter) c('allowMsgCounter', 'stream mirrors can not also calculate counters', 'remove allowMsgCounter');
  if (s.allowAtomicPublish) c('allowAtomicPublish', 'stream mirrors can not also use atomic publishing', 'remove allowAtomicPublish');
  if (s.allowMsgSchedules) c('allowMsgSchedules', 'stream mirrors can not also schedule messages', 'remove allowMsgSchedules');
  if (s.allowBatched) c('allowBatched', 'stream mirrors can not also use batch publishing', 'remove allowBatched');
  if (nanos(s.subjectDeleteMarkerTtl) > 0) c('subjectDeleteMarkerTtl', 'subject delete markers forbidden on mirrors', 'remove subjectDeleteMarkerTtl: a mirror follows its origin');
  if (m.name === s.name && !m.externalApiPrefix && !m.domain) out.push(issue(['mirror', 'name'], 'JK1009', 'detected cycle: a stream cannot mirror itself', 'mirror another stream'));
  if (m.optStartSeq && m.optStartTime) out.push(issue(['mirror', 'optStartTime'], 'JK1009', 'stream mirrors can not have both start seq and start time configured', 'keep optStartSeq or optStartTime'));
  return [...out, ...sourceIssues(['mirror'], m, 'mirror')];
}

/** One mirror or source: its stream name, filter, transforms and external prefixes. */
function sourceIssues(path: SpecPath, src: StreamSourceSpec, what: 'mirror' | 'source'): RuleIssue[] {
  // a mirror's origin name is only checked when it is local; a source's always (checkStreamCfg)
  const external = what === 'mirror' && Boolean(src.externalApiPrefix || src.domain);
  const out = external ? [] : nameIssues([...path, 'name'], src.name, what === 'mirror' ? 'mirrored stream name' : 'sourced stream name');
  out.push(...subjectIssues([...path, 'filterSubject'], src.filterSubject, `${what} filterSubject`));
  const transforms = src.subjectTransforms ?? [];
  if (src.filterSubject && transforms.length) {
    out.push(issue([...path, 'filterSubject'], 'JK1009', `${what} with multiple subject transforms cannot also have a single subject filter`, 'move the filter into subjectTransforms'));
  }
  transforms.forEach((t, i) => {
    const before = out.length;
    out.push(...subjectIssues([...path, 'subjectTransforms', i, 'source'], t.source, `${what} transform source`));
    if (out.length === before) out.push(...transformIssues([...path, 'subjectTransforms', i, 'dest'], t.source, t.dest, `${what} transform`));
  });
  const sources = transforms.map((t) => t.source);
  sources.forEach((a, i) => {
    if (sources.some((b, j) => j !== i && isValidSubject(a) && isValidSubject(b) && subjectsCollide(a, b))) {
      out.push(issue([...path, 'subjectTransforms', i, 'source'], 'JK1013', `${what} filters can not overlap`, 'make the transform sources disjoint'));
    }
  });
  out.push(...prefixIssues(path, src), ...durableSourceIssues(path, src, what));
  return out;
}

/** A mirror or source through a durable consumer on the origin (nats-server 2.14, 10213 / 10215). */
function durableSourceIssues(path: SpecPath, src: StreamSourceSpec, what: 'mirror' | 'source'): RuleIssue[] {
  const c = src.consumer;
  if (!c) return [];
  const out = nameIssues([...path, 'consumer', 'name'], c.name, `${what} consumer name`);
  if (!(isValidSubject(c.deliverSubject) && isLiteralSubject(c.deliverSubject))) {
    out.push(issue([...path, 'consumer', 'deliverSubject'], 'JK1013', `stream ${what} consumer deliver subject must be a literal subject`, 'use the deliverSubject of the consumer on the origin, e.g. deliver.copy'));
  }
  for (const f of ['optStartSeq', 'optStartTime', 'filterSubject'] as const) {
    if (src[f]) out.push(issue([...path, f], 'JK1009', `stream ${what} consumer config is invalid: ${f} belongs on the consumer`, `remove ${f}: set it on the consumer ${c.name} instead`));
  }
  return out;
}

function prefixIssues(path: SpecPath, src: StreamSourceSpec): RuleIssue[] {
  const out: RuleIssue[] = [];
  const deliver = src.externalDeliverPrefix;
  if (deliver && !(isValidSubject(deliver) && isLiteralSubject(deliver))) {
    out.push(issue([...path, 'externalDeliverPrefix'], 'JK1013', `stream external delivery prefix ${JSON.stringify(deliver)} must not contain wildcards`, 'use a literal subject such as deliver.east'));
  }
  const api = src.domain ? `$JS.${src.domain}.API` : src.externalApiPrefix;
  const field = src.domain ? 'domain' : 'externalApiPrefix';
  if (api && !(isValidSubject(api) && isLiteralSubject(api))) {
    out.push(issue([...path, field], 'JK1013', `stream external api prefix ${JSON.stringify(api)} must be a valid subject without wildcards`, 'use a literal subject such as $JS.east.API'));
  } else if (api && subjectsCollide(api, '$JS.API')) {
    out.push(issue([...path, field], 'JK1013', `stream external api prefix ${api} must not overlap with $JS.API`, 'name the other domain: $JS.<domain>.API'));
  }
  return out;
}

function sourcesRules(s: StreamSpec): RuleIssue[] {
  const out: RuleIssue[] = [];
  const seen = new Map<string, number>();
  (s.sources ?? []).forEach((src, i) => {
    out.push(...sourceIssues(['sources', i], src, 'source'));
    if (src.name === s.name && !src.externalApiPrefix && !src.domain) out.push(issue(['sources', i, 'name'], 'JK1009', 'detected cycle: a stream cannot source itself', 'source another stream'));
    const id = JSON.stringify([src.name, src.domain ?? src.externalApiPrefix ?? '', src.filterSubject || '>', src.subjectTransforms ?? [], src.consumer?.name ?? '']);
    const first = seen.get(id);
    if (first !== undefined) out.push(issue(['sources', i], 'JK1009', `duplicate source configuration detected (same as sources[${first}])`, 'remove one of them'));
    else seen.set(id, i);
  });
  return out;
}

/** A transform the server cannot build (NewSubjectTransform), at its destination. */
function transformIssues(path: SpecPath, src: string | undefined, dest: string | undefined, what: string): RuleIssue[] {
  const problem = transformProblem(src, dest);
  return problem ? [issue(path, 'JK1013', `${what} from '${src || '>'}' to '${dest}' not valid: ${problem}`, 'keep the wildcards of the source in the destination: orders.*.> -> archive.{{wildcard(1)}}.>')] : [];
}

function transformRules(s: StreamSpec): RuleIssue[] {
  const t = s.subjectTransform;
  const out = subjectIssues(['subjectTransform', 'source'], t?.source, 'stream transform source');
  if (t && !out.length) out.push(...transformIssues(['subjectTransform', 'dest'], t.source, t.dest, 'stream transform'));
  const r = s.republish;
  if (!r) return out;
  const sourceIssues = subjectIssues(['republish', 'source'], r.source, 'republish source');
  out.push(...sourceIssues);
  const dest = r.destination.replace(/\{\{[^}]*\}\}/g, 'x');
  if (!isValidSubject(dest)) out.push(issue(['republish', 'destination'], 'JK1013', `republish destination ${JSON.stringify(r.destination)} is not a valid subject`, 'write tokens separated by single dots'));
  else if ((s.subjects ?? []).some((subj) => isValidSubject(subj) && subjectsCollide(r.destination, subj))) {
    out.push(issue(['republish', 'destination'], 'JK1009', 'stream configuration for republish destination forms a cycle', 'republish to subjects this stream does not store'));
  } else if (!sourceIssues.length) {
    out.push(...transformIssues(['republish', 'destination'], r.source, r.destination, 'stream configuration for republish with transform'));
  }
  return out;
}

export const streamRules: readonly Rule[] = [
  rule('name', 'stream names: no whitespace, ".", "*", ">", "\\", "/", control characters; at most 255 bytes', 'checkStreamCfg isValidAssetName, JSMaxNameLen', (s) => nameIssues(['name'], s.name, 'stream name')),
  rule('description', 'descriptions of at most 4 KiB', 'checkStreamCfg JSMaxDescriptionLen', (s) => descriptionIssues(s.description)),
  rule('metadata', 'metadata of at most 128 KiB', 'checkStreamCfg JSMaxMetadataLen', (s) => metadataIssues(s.metadata)),
  rule('subjects', 'valid, distinct, non-overlapping subjects; ">" and the $JS., $JSC., $NRG., $SYS. spaces only with noAck (2.11+; before, only $JS.API.> was refused, always)', 'checkStreamCfg (10052)', subjectRules),
  rule('limits', 'maxAge >= 100ms, duplicateWindow in [100ms, maxAge], maxMsgSize an int32, delete marker TTL >= 1s', 'checkStreamCfg (10052)', limitRules),
  rule('features', 'counters (2.12+), schedules (2.12+), async persistence (2.12+) and mirror direct exclude some settings', 'checkStreamCfg, jsStreamCreateRequest (10052)', featureRules),
  rule('mirror', 'what a mirror cannot have, and a valid origin', 'checkStreamCfg (10143, 10173, 10198, 10186, 10142, 10150-10154, 10209, 10213)', mirrorRules),
  rule('sources', 'valid, distinct sources', 'checkStreamCfg (10140, 10141, 10144-10147, 10215)', sourcesRules),
  rule('transforms', 'valid transform and republish subjects; republish must not feed the stream', 'checkStreamCfg (10155, 10052)', transformRules),
  rule('sealed', 'a stream cannot be created sealed', 'jsStreamCreateRequest (10052)', (s) => (s.sealed ? [{ ...issue(['sealed'], 'JK1009', 'stream configuration for create can not be sealed: apply can only seal a stream that exists', 'create the stream first, then set sealed: true'), severity: 'warning' }] : [])),
];
