/** Consumer spec: every field of NACK's `consumers.jetstream.nats.io` v1beta2 CRD, with its defaults. */
import { z } from 'zod';
import { connectionFields } from '../common.js';
import { schemasOf } from '../fields.js';
import { CONSUMER_FIELDS, safeNs } from './fields.js';

/** Fields the server can change in place. */
export const consumerUpdatable = schemasOf(CONSUMER_FIELDS, 'update');

/** Fields the server refuses to change once the consumer exists. */
export const consumerCreateOnly = schemasOf(CONSUMER_FIELDS, 'create', 'turnOn');

export type ConsumerUpdatable = z.infer<z.ZodObject<typeof consumerUpdatable>>;
export type ConsumerCreateOnly = z.infer<z.ZodObject<typeof consumerCreateOnly>>;

type Ctx = z.RefinementCtx;
function conflict(ctx: Ctx, path: string, message: string, fix: string): void {
  ctx.addIssue({ code: 'custom', path: [path], message, params: { code: 'JK1009', fix } });
}

const consumerObject = z.strictObject({ ...consumerUpdatable, ...consumerCreateOnly, ...connectionFields });
type Parsed = z.output<typeof consumerObject>;

/** Filters and the deliver policy's start fields. */
function checkDelivery(s: Parsed, ctx: Ctx): void {
  if (s.filterSubject && s.filterSubjects?.length) {
    conflict(ctx, 'filterSubjects', 'filterSubject and filterSubjects cannot both be set',
      'put every subject in filterSubjects and remove filterSubject');
  }
  if (s.deliverPolicy === 'byStartTime' && !s.optStartTime) {
    conflict(ctx, 'optStartTime', 'deliverPolicy byStartTime needs optStartTime',
      'add optStartTime: 2026-01-02T15:04:05Z (RFC3339) or choose another deliverPolicy');
  }
  if (s.deliverPolicy === 'byStartSequence' && !s.optStartSeq) {
    conflict(ctx, 'optStartSeq', 'deliverPolicy byStartSequence needs optStartSeq of 1 or more',
      'add optStartSeq: <first sequence to deliver> or choose another deliverPolicy');
  }
  if (s.deliverPolicy === 'lastPerSubject' && !s.filterSubject && !s.filterSubjects?.length) {
    conflict(ctx, 'filterSubject', 'deliverPolicy lastPerSubject needs filterSubject or filterSubjects',
      'add filterSubject: <subject or wildcard>');
  }
}

/** backoff against maxDeliver and ackWait. */
function checkBackoff(s: Parsed, ctx: Ctx): void {
  const backoff = s.backoff ?? [];
  if (backoff.length && s.maxDeliver !== undefined && s.maxDeliver > 0 && backoff.length > s.maxDeliver) {
    conflict(ctx, 'backoff', `backoff has ${backoff.length} steps but maxDeliver is ${s.maxDeliver}`,
      `set maxDeliver to at least ${backoff.length} (or -1 for unlimited), or shorten backoff`);
  }
  const first = safeNs(backoff[0]);
  const ackWait = safeNs(s.ackWait);
  if (first !== undefined && ackWait !== undefined && ackWait !== first) {
    conflict(ctx, 'ackWait', `ackWait ${s.ackWait} differs from the first backoff step ${backoff[0]}; the server uses the first backoff step as ackWait`,
      `remove ackWait or set it to ${backoff[0]}`);
  }
}

/** A priority policy needs its groups (and pinnedTtl for pinned_client) and a pull consumer. */
function checkPriority(s: Parsed, ctx: Ctx): void {
  const policy = s.priorityPolicy;
  if (policy === 'pinned_client' && !s.pinnedTtl) {
    conflict(ctx, 'pinnedTtl', 'priorityPolicy pinned_client needs pinnedTtl (NACK silently drops the policy without it)',
      'add pinnedTtl: 2m (how long a pinned client keeps its pin without pulling)');
  }
  if (policy === '' || policy === 'none') return;
  if (!s.priorityGroups?.length) {
    conflict(ctx, 'priorityGroups', `priorityPolicy ${policy} needs at least one priority group`,
      'add priorityGroups: [<group name>]');
  }
  if (s.deliverSubject) {
    conflict(ctx, 'priorityPolicy', 'priority groups only work on pull consumers, but deliverSubject makes this a push consumer',
      'remove deliverSubject or priorityPolicy');
  }
}

export const consumerSchema = consumerObject.superRefine((s, ctx) => {
  checkDelivery(s, ctx);
  checkBackoff(s, ctx);
  checkPriority(s, ctx);
});

type ConnectionFields = z.infer<z.ZodObject<typeof connectionFields>>;

/** What the server changes in place, what it does not, and where to connect (the schema's output). */
export type ConsumerSpec = ConsumerUpdatable & ConsumerCreateOnly & ConnectionFields;
/** The spec as written, before defaults (what export produces and users type). */
export type ConsumerSpecInput = z.input<typeof consumerSchema>;
