/**
 * JKL005: subjects that overlap between streams. nats-server refuses streams of one account
 * whose subjects overlap (validate reports that within one connection target, JK1015); it
 * accepts a republish destination or a push consumer's deliver subject that another stream
 * captures, and every message is then stored again, silently. Streams in different namespaces
 * that name no account or servers go to the same default connection, where the server refuses
 * the second one.
 */
import type { Resource } from '../../manifests/validate.js';
import { isValidSubject, subjectsCollide } from '../../resources/subjects.js';
import type { StreamSpec } from '../../resources/stream/schema.js';
import type { LintContext } from '../context.js';
import type { RawFinding, Rule } from '../types.js';
import { at, spec } from './util.js';

/** The first stream on the target of `from` (other than `except`) capturing `subject`. */
function captor(ctx: LintContext, from: Resource<StreamSpec>, subject: string): Resource<StreamSpec> | undefined {
  if (!isValidSubject(subject)) return undefined;
  return [from, ...ctx.neighbours(from)].find((s) => (s.spec.subjects ?? []).some((x) => isValidSubject(x) && subjectsCollide(x, subject)));
}

function republished(ctx: LintContext): RawFinding[] {
  return ctx.streams().flatMap((s) => {
    const dest = s.spec.republish?.destination;
    const other = dest ? captor(ctx, s, dest) : undefined;
    if (!dest || !other || other === s) return [];
    return [at(s, spec('republish', 'destination'), `stream ${s.spec.name} republishes to ${JSON.stringify(dest)}, which stream ${other.spec.name} (${other.name}) captures: every message is stored twice`)];
  });
}

function delivered(ctx: LintContext): RawFinding[] {
  return ctx.consumers().flatMap((c) => {
    const stream = ctx.streamOf(c);
    const dest = c.spec.deliverSubject;
    const other = stream && dest ? captor(ctx, stream, dest) : undefined;
    if (!dest || !other || other === stream) return [];
    return [at(c, spec('deliverSubject'), `consumer ${c.spec.durableName} delivers to ${JSON.stringify(dest)}, which stream ${other.spec.name} (${other.name}) captures: every message is stored twice`)];
  });
}

function overlapFor(s: Resource<StreamSpec>, o: Resource<StreamSpec>): string | undefined {
  const mine = (s.spec.subjects ?? []).filter(isValidSubject);
  const theirs = (o.spec.subjects ?? []).filter(isValidSubject);
  return mine.find((a) => theirs.some((b) => subjectsCollide(a, b)));
}

/** The first token of every subject of a stream, `*` for a wildcard one (only subjects sharing a first token, or a wildcard, can collide). */
const firstTokens = (s: Resource<StreamSpec>) => [...new Set((s.spec.subjects ?? []).map((x) => x.split('.')[0]).map((t) => (t === '>' ? '*' : t)))];

/** Streams declared before `s` that may share a subject with it: same first token, or a wildcard on either side. */
function candidates(s: Resource<StreamSpec>, byToken: Map<string, Resource<StreamSpec>[]>, all: readonly Resource<StreamSpec>[]): readonly Resource<StreamSpec>[] {
  const tokens = firstTokens(s);
  if (tokens.includes('*')) return all;
  return [...new Set([...tokens, '*'].flatMap((t) => byToken.get(t) ?? []))];
}

function acrossNamespaces(ctx: LintContext): RawFinding[] {
  const streams = ctx.streams();
  // the target without the namespace: equal for streams that go to the same (default) connection
  const place = new Map(streams.map((s) => [s, ctx.target({ ...s, namespace: undefined })]));
  const order = new Map(streams.map((s, i) => [s, i]));
  const byToken = new Map<string, Resource<StreamSpec>[]>();
  for (const s of streams) for (const t of firstTokens(s)) byToken.set(t, [...(byToken.get(t) ?? []), s]);
  return streams.flatMap((s) => {
    // the same name is the same stream on the server (declared twice), not two streams that clash
    const other = candidates(s, byToken, streams)
      .filter((o) => order.get(o)! < order.get(s)!)
      .sort((a, b) => order.get(a)! - order.get(b)!)
      .find((o) => (o.namespace ?? '') !== (s.namespace ?? '') && o.spec.name !== s.spec.name && place.get(o) === place.get(s) && overlapFor(s, o));
    if (!other) return [];
    const subject = overlapFor(s, other)!;
    const index = (s.spec.subjects ?? []).indexOf(subject);
    return [at(s, spec('subjects', index), `stream ${s.spec.name} (namespace ${s.namespace ?? 'none'}) captures ${JSON.stringify(subject)}, which overlaps stream ${other.spec.name} (namespace ${other.namespace ?? 'none'}); both use the same connection and account, where the server refuses the second`, 'give the streams disjoint subjects, or put them in different accounts (spec.account)')];
  });
}

export const doubleStore: Rule = {
  id: 'JKL005',
  name: 'subjects-overlap',
  severity: 'warning',
  title: 'subjects that overlap between streams: refused across namespaces on one connection, or silently stored twice through a republish or deliver subject',
  fix: 'republish or deliver to a subject no stream captures, or source the stream explicitly (sources:) if a copy is wanted',
  fields: ['stream.republish', 'stream.subjects', 'consumer.deliverSubject'],
  check: (ctx) => [...acrossNamespaces(ctx), ...republished(ctx), ...delivered(ctx)],
};
