/**
 * JKL005: messages stored twice. nats-server refuses streams whose subjects overlap (validate
 * reports that, JK1015), but it accepts a republish destination or a push consumer's deliver
 * subject that another stream captures: every message is then stored again, silently.
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

export const doubleStore: Rule = {
  id: 'JKL005',
  name: 'subjects-stored-twice',
  severity: 'warning',
  title: 'a republish destination or deliver subject that another stream captures stores every message twice',
  fix: 'republish or deliver to a subject no stream captures, or source the stream explicitly (sources:) if a copy is wanted',
  fields: ['stream.republish', 'stream.subjects', 'consumer.deliverSubject'],
  check: (ctx) => [...republished(ctx), ...delivered(ctx)],
};
