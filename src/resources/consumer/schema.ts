/** Consumer spec: every field of NACK's `consumers.jetstream.nats.io` v1beta2 CRD, with its defaults. */
import { z } from 'zod';
import { connectionFields, duration, int, natsName, requiredDuration, timestamp } from '../common.js';
import { parseDuration } from '../duration.js';

/** Nanoseconds of a duration string, or undefined when it is not one (its own issue is reported elsewhere). */
function safeNs(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const r = parseDuration(d);
  return 'error' in r ? undefined : r.ns;
}

const ONE_MS = 1_000_000;

/** "50" or "50%", 0..100 (NACK's control loop strips the `%`). */
const sampleFreq = () =>
  z.string().superRefine((s, ctx) => {
    const m = /^(\d+)%?$/.exec(s.trim());
    if (s !== '' && (!m || Number.parseInt(m[1], 10) > 100)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a sample frequency: expected 0 to 100, e.g. "50" or "50%"` });
    }
  });

/** Fields the server can change in place. */
export const consumerUpdatable = {
  description: z.string().optional(),
  deliverGroup: z.string().optional(),
  /** no `1ns` default on purpose (NACK's CRD default is nack#136): absent means the server's 30s */
  ackWait: duration().optional(),
  maxDeliver: int().min(-1).optional(),
  backoff: z.array(requiredDuration()).optional(),
  filterSubject: z.string().optional(),
  filterSubjects: z.array(z.string().min(1)).optional(),
  sampleFreq: sampleFreq().optional(),
  rateLimitBps: int().min(0).optional(),
  maxAckPending: int().min(-1).optional(),
  headersOnly: z.boolean().default(false),
  maxRequestBatch: int().min(0).optional(),
  maxRequestExpires: duration()
    .refine((s) => { const n = safeNs(s); return n === undefined || n === 0 || n >= ONE_MS; }, {
      message: 'maxRequestExpires must be at least 1ms',
    })
    .optional(),
  maxRequestMaxBytes: int().min(0).optional(),
  inactiveThreshold: duration().optional(),
  pauseUntil: z.union([z.literal(''), timestamp()]).default(''),
  priorityPolicy: z.enum(['', 'none', 'pinned_client', 'overflow', 'prioritized']).default(''),
  pinnedTtl: z.union([z.literal(''), duration()]).default(''),
  priorityGroups: z.array(z.string().min(1)).optional(),
  replicas: int().min(0).max(5).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
};

/** Fields the server refuses to change once the consumer exists. */
export const consumerCreateOnly = {
  streamName: natsName(1),
  durableName: natsName(1),
  deliverPolicy: z.enum(['all', 'last', 'new', 'byStartSequence', 'byStartTime', 'lastPerSubject']).default('all'),
  optStartSeq: int().min(0).optional(),
  optStartTime: timestamp().optional(),
  /** the subject itself can change; switching between push (set) and pull (absent) cannot */
  deliverSubject: z.string().optional(),
  ackPolicy: z.enum(['none', 'all', 'explicit']).default('none'),
  replayPolicy: z.enum(['instant', 'original']).default('instant'),
  heartbeatInterval: duration().optional(),
  flowControl: z.boolean().default(false),
  maxWaiting: int().min(0).optional(),
  memStorage: z.boolean().default(false),
};

type Ctx = z.RefinementCtx;
function conflict(ctx: Ctx, path: string, message: string, fix: string): void {
  ctx.addIssue({ code: 'custom', path: [path], message, params: { code: 'JK1009', fix } });
}

export const consumerSchema = z
  .strictObject({ ...consumerUpdatable, ...consumerCreateOnly, ...connectionFields })
  .superRefine((s, ctx) => {
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
    const policy = s.priorityPolicy;
    if (policy === 'pinned_client' && !s.pinnedTtl) {
      conflict(ctx, 'pinnedTtl', 'priorityPolicy pinned_client needs pinnedTtl (NACK silently drops the policy without it)',
        'add pinnedTtl: 2m (how long a pinned client keeps its pin without pulling)');
    }
    if (policy !== '' && policy !== 'none') {
      if (!s.priorityGroups?.length) {
        conflict(ctx, 'priorityGroups', `priorityPolicy ${policy} needs at least one priority group`,
          'add priorityGroups: [<group name>]');
      }
      if (s.deliverSubject) {
        conflict(ctx, 'priorityPolicy', 'priority groups only work on pull consumers, but deliverSubject makes this a push consumer',
          'remove deliverSubject or priorityPolicy');
      }
    }
  });

export type ConsumerSpec = z.infer<typeof consumerSchema>;
/** The spec as written, before defaults (what export produces and users type). */
export type ConsumerSpecInput = z.input<typeof consumerSchema>;
