/** Stream spec: every field of NACK's `streams.jetstream.nats.io` v1beta2 CRD, with its defaults. */
import { z } from 'zod';
import {
  connectionFields, duration, int, natsName, placementSchema, republishSchema,
  streamSourceSchema, subjectTransformSchema,
} from '../common.js';

/** Fields the server can change in place. */
export const streamUpdatable = {
  description: z.string().optional(),
  subjects: z.array(z.string().min(1)).optional(),
  maxConsumers: int().min(-1).default(-1),
  maxMsgs: int().min(-1).default(-1),
  maxBytes: int().min(-1).default(-1),
  discard: z.enum(['old', 'new']).default('old'),
  discardPerSubject: z.boolean().default(false),
  maxAge: z.union([z.literal(''), duration()]).default(''),
  maxMsgsPerSubject: int().default(0),
  maxMsgSize: int().min(-1).default(-1),
  replicas: int().min(1).max(5).default(1),
  noAck: z.boolean().default(false),
  duplicateWindow: duration().optional(),
  placement: placementSchema.optional(),
  sources: z.array(streamSourceSchema).optional(),
  allowRollup: z.boolean().default(false),
  compression: z.enum(['s2', 'none', '']).default(''),
  subjectTransform: subjectTransformSchema.optional(),
  republish: republishSchema.optional(),
  allowDirect: z.boolean().default(false),
  mirrorDirect: z.boolean().default(false),
  subjectDeleteMarkerTtl: z.union([z.literal(''), duration()]).default(''),
  allowAtomicPublish: z.boolean().default(false),
  consumerLimits: z
    .strictObject({ inactiveThreshold: duration().optional(), maxAckPending: int().optional() })
    .optional(),
  metadata: z.record(z.string(), z.string()).optional(),
};

/** Fields the server refuses to change (or to change back) once the stream exists. */
export const streamCreateOnly = {
  name: natsName(1),
  retention: z.enum(['limits', 'interest', 'workqueue']).default('limits'),
  storage: z.enum(['file', 'memory']).default('memory'),
  mirror: streamSourceSchema.optional(),
  sealed: z.boolean().default(false),
  denyDelete: z.boolean().default(false),
  denyPurge: z.boolean().default(false),
  firstSequence: int().min(0).default(0),
  allowMsgTtl: z.boolean().default(false),
  allowMsgCounter: z.boolean().default(false),
  allowMsgSchedules: z.boolean().default(false),
  /** '' and default are the server's default; NACK silently ignores any other value, jetkeeper refuses it */
  persistMode: z.enum(['', 'default', 'async']).default(''),
};

export const streamSchema = z
  .strictObject({ ...streamUpdatable, ...streamCreateOnly, ...connectionFields })
  .superRefine((s, ctx) => {
    if (s.mirror && s.subjects?.length) {
      ctx.addIssue({ code: 'custom', path: ['mirror'], message: 'a mirror cannot also have subjects', params: { code: 'JK1009' } });
    }
    if (s.mirror && s.sources?.length) {
      ctx.addIssue({ code: 'custom', path: ['sources'], message: 'a mirror cannot also have sources', params: { code: 'JK1009' } });
    }
    if (s.denyPurge && s.allowRollup) {
      ctx.addIssue({ code: 'custom', path: ['allowRollup'], message: 'allowRollup cannot be combined with denyPurge', params: { code: 'JK1009' } });
    }
    if (s.discardPerSubject && (s.discard !== 'new' || s.maxMsgsPerSubject <= 0)) {
      ctx.addIssue({ code: 'custom', path: ['discardPerSubject'], message: 'discardPerSubject needs discard: new and maxMsgsPerSubject > 0', params: { code: 'JK1009' } });
    }
    if (s.subjectDeleteMarkerTtl && !s.allowMsgTtl) {
      ctx.addIssue({ code: 'custom', path: ['subjectDeleteMarkerTtl'], message: 'subjectDeleteMarkerTtl needs allowMsgTtl: true', params: { code: 'JK1009' } });
    }
  });

export type StreamSpec = z.infer<typeof streamSchema>;
/** The spec as written, before defaults (what export produces and users type). */
export type StreamSpecInput = z.input<typeof streamSchema>;
