/** ObjectStore spec: every field of NACK's `objectstores.jetstream.nats.io` v1beta2 CRD, with its defaults. */
import { z } from 'zod';
import { connectionFields, duration, int, placementSchema } from '../common.js';
import { bucketName } from '../keyvalue/schema.js';

export const objectStoreSchema = z.strictObject({
  bucket: bucketName(),
  description: z.string().optional(),
  ttl: z.union([z.literal(''), duration()]).optional(),
  maxBytes: int().min(-1).optional(),
  /** unset means file (unlike Stream, whose CRD default is memory) */
  storage: z.enum(['file', 'memory']).optional(),
  replicas: int().min(1).max(5).default(1),
  placement: placementSchema.optional(),
  /** a bool here, while Stream's compression is a string enum */
  compression: z.boolean().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  ...connectionFields,
});

export type ObjectStoreSpec = z.infer<typeof objectStoreSchema>;
/** The spec as written, before defaults (what export produces and users type). */
export type ObjectStoreSpecInput = z.input<typeof objectStoreSchema>;
