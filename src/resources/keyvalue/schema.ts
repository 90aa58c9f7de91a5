/** KeyValue spec: every field of NACK's `keyvalues.jetstream.nats.io` v1beta2 CRD, with its defaults. */
import { z } from 'zod';
import { connectionFields, duration, int, placementSchema, republishSchema, streamSourceSchema } from '../common.js';

/** nats.go / nats.js bucket names (`ErrInvalidBucketName`); also what keeps `KV_<bucket>` a valid stream name. */
export const BUCKET_NAME = /^[a-zA-Z0-9_-]+$/;

/** nats.go `KeyValueMaxHistory`: more is `ErrHistoryTooLarge`. */
export const KV_MAX_HISTORY = 64;

export const bucketName = () =>
  z.string().regex(BUCKET_NAME, { message: 'a bucket name may only contain letters, digits, "_" and "-"' });

export const keyValueSchema = z
  .strictObject({
    bucket: bucketName(),
    description: z.string().optional(),
    /** bytes; 0 or absent means unlimited (-1). nats.go holds it as int32. */
    maxValueSize: int().min(-1).max(2_147_483_647).optional(),
    /** values kept per key; 0 or absent means 1. */
    history: int()
      .min(0, { message: 'history cannot be negative' })
      .max(KV_MAX_HISTORY, { message: `history can be at most ${KV_MAX_HISTORY} (nats.go ErrHistoryTooLarge)` })
      .optional(),
    ttl: z.union([z.literal(''), duration()]).optional(),
    /** NOT a duration string: an integer number of nanoseconds (a Go time.Duration in NACK's Go type). */
    limitMarkerTtl: int().min(0).optional(),
    maxBytes: int().min(-1).optional(),
    /** unset means file (unlike Stream, whose CRD default is memory) */
    storage: z.enum(['file', 'memory']).optional(),
    replicas: int().min(1).max(5).default(1),
    placement: placementSchema.optional(),
    republish: republishSchema.optional(),
    mirror: streamSourceSchema.optional(),
    /** a bool here, while Stream's compression is a string enum */
    compression: z.boolean().optional(),
    sources: z.array(streamSourceSchema).optional(),
    ...connectionFields,
  })
  .superRefine((s, ctx) => {
    if (s.mirror && s.sources?.length) {
      // nats.go would silently drop the sources; a mirror cannot have any.
      ctx.addIssue({ code: 'custom', path: ['sources'], message: 'a mirror bucket cannot also have sources', params: { code: 'JK1009' } });
    }
    if (s.limitMarkerTtl !== undefined && s.limitMarkerTtl > 0) {
      if (s.limitMarkerTtl < 1_000_000_000) {
        ctx.addIssue({
          code: 'custom',
          path: ['limitMarkerTtl'],
          message: 'limitMarkerTtl is an integer of nanoseconds and the server needs at least 1s (1000000000)',
          params: { code: 'JK1005', fix: 'write nanoseconds, e.g. 60000000000 for one minute' },
        });
      }
      if (s.mirror) {
        ctx.addIssue({ code: 'custom', path: ['limitMarkerTtl'], message: 'the server forbids limit markers on a mirror', params: { code: 'JK1009', fix: 'remove limitMarkerTtl: a mirror follows its origin' } });
      }
    }
  });

export type KeyValueSpec = z.infer<typeof keyValueSchema>;
/** The spec as written, before defaults (what export produces and users type). */
export type KeyValueSpecInput = z.input<typeof keyValueSchema>;
