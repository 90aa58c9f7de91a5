/** Stream spec: every field of NACK's `streams.jetstream.nats.io` v1beta2 CRD, with its defaults. */
import { z } from 'zod';
import { connectionFields } from '../common.js';
import { schemasOf } from '../fields.js';
import { STREAM_FIELDS } from './fields.js';

/** Fields the server can change in place. */
export const streamUpdatable = schemasOf(STREAM_FIELDS, 'update');

/** Fields the server refuses to change (or to change back) once the stream exists. */
export const streamCreateOnly = schemasOf(STREAM_FIELDS, 'create', 'turnOn');

export type StreamUpdatable = z.infer<z.ZodObject<typeof streamUpdatable>>;
export type StreamCreateOnly = z.infer<z.ZodObject<typeof streamCreateOnly>>;

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

type ConnectionFields = z.infer<z.ZodObject<typeof connectionFields>>;

/** What the server changes in place, what it does not, and where to connect (the schema's output). */
export type StreamSpec = StreamUpdatable & StreamCreateOnly & ConnectionFields;
/** The spec as written, before defaults (what export produces and users type). */
export type StreamSpecInput = z.input<typeof streamSchema>;
