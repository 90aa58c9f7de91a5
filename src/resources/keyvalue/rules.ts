/** What nats-server refuses in a KeyValue bucket beyond its shape (the bucket is the stream KV_<bucket>). */
import { parseDuration } from '../duration.js';
import { descriptionIssues, issue, nameIssues, subjectIssues, type RuleIssue, type SpecRule } from '../rules.js';
import { byteLength, isValidSubject, MAX_NAME_BYTES, subjectsCollide, transformProblem } from '../subjects.js';
import type { KeyValueSpec } from './schema.js';

/** The stream name of a bucket (`KV_`/`OBJ_` + bucket) must fit nats-server's JSMaxNameLen. */
export function bucketNameIssues(bucket: string, prefix: 'KV_' | 'OBJ_'): RuleIssue[] {
  const n = byteLength(prefix + bucket);
  if (n <= MAX_NAME_BYTES) return [];
  return [issue(['bucket'], 'JK1014', `bucket name is too long: its stream ${prefix}<bucket> has ${n} bytes, nats-server allows at most ${MAX_NAME_BYTES} (JSMaxNameLen)`, `use at most ${MAX_NAME_BYTES - prefix.length} characters`)];
}

/** A bucket's ttl is its stream's max_age: 0 (none) or at least 100ms (checkStreamCfg). */
export function ttlIssues(ttl: string | undefined): RuleIssue[] {
  const r = ttl ? parseDuration(ttl) : { ns: 0 };
  if ('error' in r || r.ns === 0 || r.ns >= 100_000_000) return [];
  return [issue(['ttl'], 'JK1005', 'max age needs to be >= 100ms (the ttl is the stream\'s max age)', 'set ttl to 100ms or more, or remove it')];
}

function sourceNameIssues(s: KeyValueSpec): RuleIssue[] {
  const prefixed = (name: string) => (name.startsWith('KV_') ? name : `KV_${name}`);
  const out = s.mirror && !s.mirror.externalApiPrefix && !s.mirror.domain ? nameIssues(['mirror', 'name'], prefixed(s.mirror.name), 'mirrored bucket stream') : [];
  (s.sources ?? []).forEach((src, i) => out.push(...nameIssues(['sources', i, 'name'], prefixed(src.name), 'sourced bucket stream')));
  return out;
}

function republishIssues(s: KeyValueSpec): RuleIssue[] {
  const r = s.republish;
  if (!r) return [];
  const out = subjectIssues(['republish', 'source'], r.source, 'republish source');
  if (!isValidSubject(r.destination.replace(/\{\{[^}]*\}\}/g, 'x'))) {
    out.push(issue(['republish', 'destination'], 'JK1013', `republish destination ${JSON.stringify(r.destination)} is not a valid subject`, 'write tokens separated by single dots'));
  } else if (!s.mirror && subjectsCollide(r.destination, `$KV.${s.bucket}.>`)) {
    out.push(issue(['republish', 'destination'], 'JK1009', 'stream configuration for republish destination forms a cycle', `republish outside $KV.${s.bucket}.>`));
  } else if (!out.length && transformProblem(r.source, r.destination)) {
    out.push(issue(['republish', 'destination'], 'JK1013', `stream configuration for republish with transform from '${r.source || '>'}' to '${r.destination}' not valid: ${transformProblem(r.source, r.destination)}`, 'keep the wildcards of the source in the destination'));
  }
  return out;
}

export const keyValueRules: readonly SpecRule<KeyValueSpec>[] = [
  { id: 'keyvalue/bucket', kind: 'KeyValue', summary: 'the stream KV_<bucket> is at most 255 bytes', server: 'checkStreamCfg JSMaxNameLen', check: (s) => bucketNameIssues(s.bucket, 'KV_') },
  { id: 'keyvalue/description', kind: 'KeyValue', summary: 'descriptions of at most 4 KiB', server: 'checkStreamCfg JSMaxDescriptionLen', check: (s) => descriptionIssues(s.description) },
  { id: 'keyvalue/ttl', kind: 'KeyValue', summary: 'a ttl of 0 or at least 100ms', server: 'checkStreamCfg (10052)', check: (s) => ttlIssues(s.ttl) },
  { id: 'keyvalue/sources', kind: 'KeyValue', summary: 'mirrored and sourced buckets with valid stream names', server: 'checkStreamCfg (10141, 10142)', check: sourceNameIssues },
  { id: 'keyvalue/republish', kind: 'KeyValue', summary: 'a valid republish that does not feed the bucket', server: 'checkStreamCfg (10052)', check: republishIssues },
];
