/**
 * Account spec: every field of NACK's `accounts.jetstream.nats.io` v1beta2 CRD, with its defaults.
 * An Account creates nothing on the server; it holds connection settings that other resources
 * name through `spec.account`. Where a `secret` is given, the other strings of that block are
 * keys inside that Kubernetes Secret; without one they are file paths.
 */
import { z } from 'zod';
import { natsName } from '../common.js';

/** `secret: {name}`; a Secret without a name cannot be read, so the name is required here. */
export const secretRefSchema = z.strictObject({ name: z.string().min(1, { message: 'the Secret needs a name' }) });

export const accountSchema = z.strictObject({
  /** in the CRD but not in NACK's Go type: accepted and ignored */
  name: natsName(1).optional(),
  servers: z.array(z.string().min(1)).optional(),
  tls: z
    .strictObject({
      secret: secretRefSchema.optional(),
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
    })
    .optional(),
  creds: z.strictObject({ secret: secretRefSchema.optional(), file: z.string().optional() }).optional(),
  nkey: z.strictObject({ secret: secretRefSchema.optional(), seed: z.string().optional() }).optional(),
  token: z.strictObject({ secret: secretRefSchema.optional(), token: z.string().optional() }).optional(),
  user: z
    .strictObject({
      secret: secretRefSchema.optional(),
      user: z.string().optional(),
      password: z.string().optional(),
    })
    .optional(),
  /** in the CRD but not in NACK's Go type: accepted and ignored */
  tlsFirst: z.boolean().default(false),
});

export type AccountSpec = z.infer<typeof accountSchema>;
export type AccountSpecInput = z.input<typeof accountSchema>;
