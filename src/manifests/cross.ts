/**
 * Rules between resources of one input that nats-server would refuse at apply: the same asset
 * twice, streams whose subjects overlap (10065), a bucket beside a stream of its stream name, and
 * consumers their stream does not allow (work queues 10098-10101, replicas 10126/10134, filters
 * outside the stream 10093). Resources only meet when they go to the same connection target.
 */
import { JkError, type ErrorCode } from '../errors.js';
import type { ConnectionSpec } from '../resources/kind.js';
import { consumerFilters } from '../resources/consumer/rules.js';
import type { ConsumerSpec } from '../resources/consumer/schema.js';
import type { StreamSpec } from '../resources/stream/schema.js';
import { isValidSubject, subjectIsSubsetMatch, subjectsCollide } from '../resources/subjects.js';
import { parseDuration } from '../resources/duration.js';
import type { FieldPath } from './load.js';
import type { Resource } from './validate.js';

/**
 * Where a resource goes, as far as manifests tell: its namespace and account, or its own
 * servers and JetStream domain. Two resources are the same asset only on the same target.
 */
export function connectionTarget(r: Resource): string {
  const c = (r.spec ?? {}) as ConnectionSpec;
  return JSON.stringify([r.namespace ?? '', c.account ?? '', [...(c.servers ?? [])].sort(), c.jsDomain ?? '']);
}

function where(r: Resource): string {
  return r.doc ? `${r.doc.file}:${r.doc.positionOf([]).line}` : 'another document';
}

function err(r: Resource, code: ErrorCode, path: FieldPath, message: string, fix: string): JkError {
  return new JkError(code, {
    message, fix, resource: `${r.kind}/${r.name}`, field: ['spec', ...path].join('.'), at: r.doc?.positionOf(['spec', ...path]),
  });
}

/** Drops the second declaration of an asset on the same target (JK1008). */
export function dropDuplicates(resources: readonly Resource[], errors: JkError[]): Resource[] {
  const seen = new Map<string, Resource>();
  const unique: Resource[] = [];
  for (const r of resources) {
    const id = `${connectionTarget(r)}|${r.key}`;
    const first = seen.get(id);
    if (first) {
      errors.push(new JkError('JK1008', {
        message: `${r.key} is declared twice (first in ${where(first)})`,
        resource: `${r.kind}/${r.name}`,
        at: r.doc?.positionOf(['spec']),
        fix: 'keep one declaration of each stream, consumer and bucket',
      }));
      continue;
    }
    seen.set(id, r);
    unique.push(r);
  }
  return unique;
}

interface StreamLike {
  r: Resource;
  /** the JetStream stream name */
  name: string;
  /** the subjects the server will store, with the spec path of each (undefined: implicit) */
  subjects: { subject: string; path: FieldPath }[];
}

/** The stream each stream-backed resource creates, with the subjects the server gives it. */
export function streamOf(r: Resource): StreamLike | undefined {
  if (r.kind === 'Stream') {
    const s = r.spec as StreamSpec;
    const listed = (s.subjects ?? []).map((subject, i) => ({ subject, path: ['subjects', i] as FieldPath }));
    const implicit = !listed.length && !s.mirror && !s.sources?.length ? [{ subject: s.name, path: ['name'] as FieldPath }] : [];
    return { r, name: s.name, subjects: listed.length ? listed : implicit };
  }
  if (r.kind === 'KeyValue' || r.kind === 'ObjectStore') {
    const s = r.spec as { bucket: string; mirror?: unknown };
    const kv = r.kind === 'KeyValue';
    const subjects = kv ? (s.mirror ? [] : [`$KV.${s.bucket}.>`]) : [`$O.${s.bucket}.C.>`, `$O.${s.bucket}.M.>`];
    return { r, name: `${kv ? 'KV_' : 'OBJ_'}${s.bucket}`, subjects: subjects.map((subject) => ({ subject, path: ['bucket'] })) };
  }
  return undefined;
}

/** Streams of one target whose names or subjects clash (JK1015). */
function streamClashes(streams: readonly StreamLike[], errors: JkError[]): void {
  streams.forEach((b, i) => {
    for (const a of streams.slice(0, i)) {
      if (a.name === b.name && a.r.kind !== b.r.kind) {
        errors.push(err(b.r, 'JK1015', b.r.kind === 'Stream' ? ['name'] : ['bucket'], `the stream ${b.name} is also created by ${a.r.kind}/${a.r.name} (${where(a.r)})`, 'rename one of them: KeyValue and ObjectStore buckets own the streams KV_<bucket> and OBJ_<bucket>'));
        return;
      }
      const clash = overlap(a, b);
      if (clash) {
        errors.push(err(b.r, 'JK1015', clash.path, `subjects overlap with an existing stream: ${JSON.stringify(clash.subject)} overlaps ${JSON.stringify(clash.other)} of ${a.r.kind}/${a.r.name} (${where(a.r)})`, 'give each stream its own subjects (nats-server refuses overlaps with 10065)'));
        return;
      }
    }
  });
}

function overlap(a: StreamLike, b: StreamLike): { subject: string; other: string; path: FieldPath } | undefined {
  for (const sb of b.subjects) {
    if (!isValidSubject(sb.subject)) continue;
    const hit = a.subjects.find((sa) => isValidSubject(sa.subject) && subjectsCollide(sa.subject, sb.subject));
    if (hit) return { subject: sb.subject, other: hit.subject, path: sb.path };
  }
  return undefined;
}

/** Groups resources by connection target, in input order. */
function byTarget(resources: readonly Resource[]): Resource[][] {
  const groups = new Map<string, Resource[]>();
  for (const r of resources) {
    const k = connectionTarget(r);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()];
}

/** Every cross-resource rule; errors are appended. */
export function checkCrossResources(resources: readonly Resource[], errors: JkError[]): void {
  for (const group of byTarget(resources)) {
    const streams = group.map(streamOf).filter((s): s is StreamLike => s !== undefined);
    streamClashes(streams, errors);
    const byName = new Map(streams.filter((s) => s.r.kind === 'Stream').map((s) => [s.name, s.r]));
    const consumers = group.filter((r) => r.kind === 'Consumer');
    for (const c of consumers) {
      const stream = byName.get((c.spec as ConsumerSpec).streamName);
      if (stream) errors.push(...consumerInStream(c, stream, byName));
    }
    workQueues(consumers, byName, errors);
    sourceCycles(streams.filter((s) => s.r.kind === 'Stream').map((s) => s.r), byName, errors);
    for (const s of streams) if (s.r.kind === 'Stream') errors.push(...messageSizes(s.r, byName), ...originFilters(s.r, byName));
  }
}

function nanos(d: string | undefined): number {
  if (!d) return 0;
  const r = parseDuration(d);
  return 'error' in r ? 0 : r.ns;
}

/** A consumer against its declared stream: replicas, limits, filters, delivery cycle. */
function consumerInStream(c: Resource, stream: Resource, streams: ReadonlyMap<string, Resource>): JkError[] {
  const s = stream.spec as StreamSpec;
  const k = c.spec as ConsumerSpec;
  const out: JkError[] = [];
  const sref = `Stream/${stream.name}`;
  if (k.replicas && k.replicas > s.replicas) out.push(err(c, 'JK1009', ['replicas'], `consumer config replica count exceeds parent stream (${sref} has ${s.replicas})`, `set replicas to at most ${s.replicas}, or 0 to follow the stream`));
  else if (k.replicas && k.replicas !== s.replicas && s.retention !== 'limits') out.push(err(c, 'JK1009', ['replicas'], `consumer config replicas must match interest retention stream's replicas (${sref} has ${s.replicas})`, `set replicas: ${s.replicas} or remove replicas`));
  const lim = s.consumerLimits;
  if (lim?.maxAckPending && lim.maxAckPending > 0 && (k.maxAckPending ?? 0) > lim.maxAckPending) {
    out.push(err(c, 'JK1009', ['maxAckPending'], `consumer max ack pending exceeds system limit of ${lim.maxAckPending} (${sref} consumerLimits)`, `set maxAckPending to at most ${lim.maxAckPending}`));
  }
  const limIt = nanos(lim?.inactiveThreshold);
  if (limIt > 0 && nanos(k.inactiveThreshold) > limIt) {
    out.push(err(c, 'JK1009', ['inactiveThreshold'], `consumer inactive threshold exceeds system limit of ${lim?.inactiveThreshold} (${sref} consumerLimits)`, `set inactiveThreshold to at most ${lim?.inactiveThreshold}`));
  }
  if (k.deliverSubject && (s.subjects ?? []).some((subj) => isValidSubject(subj) && isValidSubject(k.deliverSubject!) && subjectIsSubsetMatch(k.deliverSubject!, subj))) {
    out.push(err(c, 'JK1009', ['deliverSubject'], `consumer deliver subject forms a cycle: ${sref} stores ${k.deliverSubject}`, 'deliver to a subject the stream does not store'));
  }
  out.push(...filtersInStream(c, k, knownSubjects(s, streams), sref));
  return out;
}

/**
 * The subjects a stream's consumers can see, when the input tells them all: its own, plus those
 * of the streams it mirrors or sources when they are declared beside it (as nats-server 2.9
 * gathers them). undefined when not all are known (external or undeclared origins, transforms).
 */
function knownSubjects(s: StreamSpec, streams: ReadonlyMap<string, Resource>): string[] | undefined {
  if (s.subjectTransform) return undefined;
  const origins = [...(s.mirror ? [s.mirror] : []), ...(s.sources ?? [])];
  const out = s.subjects?.length ? [...s.subjects] : origins.length ? [] : [s.name];
  for (const o of origins) {
    const seen = originSubjects(o, streams);
    if (!seen) return undefined;
    out.push(...seen);
  }
  return out;
}

/** The subjects one mirror or source brings in, when its origin is declared and plain. */
function originSubjects(o: NonNullable<StreamSpec['mirror']>, streams: ReadonlyMap<string, Resource>): string[] | undefined {
  if (o.externalApiPrefix || o.domain || o.subjectTransforms?.length) return undefined;
  const origin = streams.get(o.name)?.spec as StreamSpec | undefined;
  if (!origin || origin.mirror || origin.sources?.length || origin.subjectTransform) return undefined;
  if (o.filterSubject) return [o.filterSubject];
  return origin.subjects?.length ? origin.subjects : [origin.name];
}

/**
 * nats-server up to 2.9 refuses a filter outside the subjects the stream can hold (10093); 2.10
 * and newer accept it, but the consumer never receives a message. Checked when those subjects
 * are known.
 */
function filtersInStream(c: Resource, k: ConsumerSpec, subjects: string[] | undefined, sref: string): JkError[] {
  if (!subjects?.length || subjects.some((subj) => !isValidSubject(subj))) return [];
  const out: JkError[] = [];
  consumerFilters(k).forEach((f, i) => {
    if (!isValidSubject(f)) return;
    const inside = subjects.some((subj) => subjectIsSubsetMatch(f, subj) || subjectIsSubsetMatch(subj, f));
    if (!inside) {
      const path: FieldPath = k.filterSubject ? ['filterSubject'] : ['filterSubjects', i];
      out.push(err(c, 'JK1013', path, `consumer filter subject ${JSON.stringify(f)} is not a valid subset of the interest subjects of ${sref} (${subjects.join(', ')})`, 'filter on subjects the stream stores'));
    }
  });
  return out;
}

/**
 * nats-server's cycle check at create (checkStreamCfg "detected cycle"): walking the streams
 * this one is fed by, a mirror or source back to an already visited stream is a cycle. (2.10
 * and newer let a source through when its filter misses the subjects of the stream holding it;
 * 2.9 refuses every ring, so this does too.) Only declared streams are known; reported at the
 * later stream of a ring.
 */
function createsCycle(start: StreamSpec, byName: ReadonlyMap<string, Resource>, declaredBefore: (name: string) => boolean): boolean {
  const visited = new Set<string>();
  const todo: StreamSpec[] = [start];
  while (todo.length) {
    const cfg = todo.shift()!;
    visited.add(cfg.name);
    for (const src of cfg.sources ?? []) {
      if (src.externalApiPrefix || src.domain) continue;
      if (visited.has(src.name)) return true;
      else if (declaredBefore(src.name)) todo.push(byName.get(src.name)!.spec as StreamSpec);
    }
    const m = cfg.mirror;
    if (m && !m.externalApiPrefix && !m.domain) {
      if (visited.has(m.name)) return true;
      if (declaredBefore(m.name)) todo.push(byName.get(m.name)!.spec as StreamSpec);
    }
  }
  return false;
}

function sourceCycles(streams: readonly Resource[], byName: ReadonlyMap<string, Resource>, errors: JkError[]): void {
  const order = new Map(streams.map((r, i) => [(r.spec as StreamSpec).name, i]));
  streams.forEach((r, i) => {
    const spec = r.spec as StreamSpec;
    // a stream is created after those declared before it; self-references are a spec rule
    const before = (name: string) => name !== spec.name && (order.get(name) ?? Infinity) < i;
    const self = spec.mirror?.name === spec.name || (spec.sources ?? []).some((src) => src.name === spec.name);
    if (!self && createsCycle(spec, byName, before)) {
      errors.push(err(r, 'JK1009', spec.mirror ? ['mirror'] : ['sources'], `detected cycle: Stream/${r.name} is fed by streams that it feeds itself`, 'break the ring of mirrors and sources, or filter the sources apart'));
    }
  });
}

/**
 * A mirror's or source's filter must overlap the subjects of its declared origin (nats-server 2.9
 * refuses it: "filter subject ... does not overlap with any origin stream subject"; newer servers
 * accept a filter that never matches).
 */
function originFilters(r: Resource, byName: ReadonlyMap<string, Resource>): JkError[] {
  const s = r.spec as StreamSpec;
  const out: JkError[] = [];
  const check = (o: NonNullable<StreamSpec['mirror']>, path: FieldPath, what: string) => {
    const f = o.filterSubject;
    const origin = byName.get(o.name)?.spec as StreamSpec | undefined;
    if (!f || !origin || o.externalApiPrefix || o.domain || !isValidSubject(f) || origin.mirror || origin.sources?.length) return;
    const subjects = origin.subjects?.length ? origin.subjects : [origin.name];
    if (subjects.some((subj) => isValidSubject(subj) && subjectsCollide(subj, f))) return;
    out.push(err(r, 'JK1013', path, `${what} '${o.name}' filter subject '${f}' does not overlap with any origin stream subject (${subjects.join(', ')})`, `filter on subjects Stream ${o.name} stores`));
  };
  if (s.mirror) check(s.mirror, ['mirror', 'filterSubject'], 'mirror');
  (s.sources ?? []).forEach((src, i) => check(src, ['sources', i, 'filterSubject'], 'source'));
  return out;
}

/** A mirror or source must take messages as large as its declared origin's (10030, 10046). */
function messageSizes(r: Resource, byName: ReadonlyMap<string, Resource>): JkError[] {
  const s = r.spec as StreamSpec;
  if (s.maxMsgSize <= 0) return [];
  const out: JkError[] = [];
  const check = (o: { name: string; externalApiPrefix?: string; domain?: string }, msg: string) => {
    const origin = byName.get(o.name)?.spec as StreamSpec | undefined;
    if (!origin || o.externalApiPrefix || o.domain || origin.maxMsgSize <= 0 || s.maxMsgSize >= origin.maxMsgSize) return;
    out.push(err(r, 'JK1009', ['maxMsgSize'], `${msg} (Stream ${o.name} allows ${origin.maxMsgSize} bytes, this one ${s.maxMsgSize})`, `set maxMsgSize to at least ${origin.maxMsgSize}, or -1`));
  };
  if (s.mirror) check(s.mirror, 'stream mirror must have max message size >= source');
  (s.sources ?? []).forEach((src) => check(src, 'stream source must have max message size >= target'));
  return out;
}

/** Work-queue streams: explicit acks, deliver all, one consumer per subject (10098-10101). */
function workQueues(consumers: readonly Resource[], streams: ReadonlyMap<string, Resource>, errors: JkError[]): void {
  const taken = new Map<string, { c: Resource; filters: string[] }[]>();
  for (const c of consumers) {
    const k = c.spec as ConsumerSpec;
    const stream = streams.get(k.streamName);
    if (!stream || (stream.spec as StreamSpec).retention !== 'workqueue') continue;
    if (k.ackPolicy !== 'explicit') errors.push(err(c, 'JK1009', ['ackPolicy'], `workqueue stream requires explicit ack (Stream/${stream.name} has retention: workqueue)`, 'set ackPolicy: explicit (the CRD default is none)'));
    if (k.deliverPolicy !== 'all') errors.push(err(c, 'JK1009', ['deliverPolicy'], `consumer must be deliver all on workqueue stream Stream/${stream.name}`, 'set deliverPolicy: all or remove it'));
    const filters = consumerFilters(k).filter(isValidSubject);
    const others = taken.get(k.streamName) ?? [];
    const clash = others.find((o) => !filters.length || !o.filters.length || o.filters.some((a) => filters.some((b) => subjectsCollide(a, b))));
    if (clash && !filters.length) {
      errors.push(err(c, 'JK1015', ['filterSubject'], `multiple non-filtered consumers not allowed on workqueue stream: Consumer/${clash.c.name} (${where(clash.c)}) also reads Stream/${stream.name}`, 'give each consumer of a work queue its own filterSubject'));
    } else if (clash) {
      errors.push(err(c, 'JK1015', k.filterSubject ? ['filterSubject'] : ['filterSubjects'], `filtered consumer not unique on workqueue stream: its filters overlap those of Consumer/${clash.c.name} (${where(clash.c)})`, 'make the filters of the work-queue consumers disjoint'));
    }
    taken.set(k.streamName, [...others, { c, filters }]);
  }
}

/** A stream as the server reports it, as far as subject overlaps care. */
export interface LiveStreamSubjects {
  name: string;
  subjects?: readonly string[];
}

/**
 * Declared streams (and buckets) whose subjects overlap a live stream of another name on the
 * same connection (nats-server refuses the create with 10065). For plan, before any write:
 * `resources` are those of one connection target, `live` the streams read from it.
 */
export function liveSubjectConflicts(resources: readonly Resource[], live: readonly LiveStreamSubjects[]): JkError[] {
  const declared = resources.map(streamOf).filter((s): s is StreamLike => s !== undefined);
  const names = new Set(declared.map((d) => d.name));
  const others = live.filter((l) => !names.has(l.name));
  const out: JkError[] = [];
  for (const d of declared) {
    for (const l of others) {
      const clash = overlap({ r: d.r, name: l.name, subjects: (l.subjects ?? []).map((subject) => ({ subject, path: [] })) }, d);
      if (!clash) continue;
      out.push(err(d.r, 'JK1015', clash.path, `subjects overlap with an existing stream: ${JSON.stringify(clash.subject)} overlaps ${JSON.stringify(clash.other)} of the live stream ${l.name}`, `give this stream its own subjects, or change or delete the stream ${l.name} first (nats-server refuses overlaps with 10065)`));
      break;
    }
  }
  return out;
}
