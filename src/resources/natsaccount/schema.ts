/**
 * NatsAccount spec (`jetstream.jetkeeper.io/v1alpha1`): a tenant. Its own subject namespace,
 * JetStream limits (whole account or per replica tier), connection limits, and the streams and
 * services it shares (exports) or takes from other accounts (imports).
 */
import { z } from 'zod';
import { int, natsName } from '../common.js';
import { parseSize } from '../security.js';
import { subjectProblem } from '../subjects.js';

/** A byte size (number, -1 unlimited, or 1GB / 512MiB / 10G); carries JK1005 with the fix. */
export const size = () =>
  z.union([z.number(), z.string()]).superRefine((v, ctx) => {
    if (parseSize(v) === undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a byte size`, params: { code: 'JK1005', fix: 'write a number of bytes, -1 for unlimited, or a size such as 512MB or 1GB' } });
  });

/** A NATS subject (wildcards allowed), checked as the server checks it. */
export const subject = () =>
  z.string().superRefine((s, ctx) => {
    const problem = subjectProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { code: 'JK1013', fix: 'write tokens separated by ".", with "*" for one token and ">" only as the last token' } });
  });

const count = () => int().min(-1);

export const jetStreamLimitsSchema = z.strictObject({
  memoryStorage: size().optional(),
  diskStorage: size().optional(),
  streams: count().optional(),
  consumers: count().optional(),
  maxAckPending: count().optional(),
  memoryMaxStreamBytes: size().optional(),
  diskMaxStreamBytes: size().optional(),
  maxBytesRequired: z.boolean().optional(),
});

export const exportSchema = z.strictObject({
  name: z.string().min(1).optional(),
  subject: subject(),
  type: z.enum(['stream', 'service']),
  /** metadata.names of the accounts allowed to import it: the export then needs an activation token, which jetkeeper issues to exactly these */
  approvedAccounts: z.array(z.string().min(1)).optional(),
  responseType: z.enum(['Singleton', 'Stream', 'Chunked']).optional(),
  description: z.string().optional(),
});

export const importSchema = z.strictObject({
  name: z.string().min(1).optional(),
  /** metadata.name of the exporting NatsAccount */
  account: z.string().min(1),
  subject: subject(),
  type: z.enum(['stream', 'service']),
  /** where the import appears in this account (default: the same subject) */
  localSubject: subject().optional(),
});

export const natsAccountSchema = z.strictObject({
  /** the account's name in its JWT; default metadata.name */
  name: natsName(1).optional(),
  /** metadata.name of the Operator (optional when there is exactly one) */
  operator: z.string().min(1).optional(),
  description: z.string().optional(),
  /** JetStream for the whole account; absent: JetStream is off for this account (unless tiers are given) */
  jetstream: jetStreamLimitsSchema.optional(),
  /** JetStream limits per replica tier (R1, R3, ...) instead of one set for the account */
  jetstreamTiers: z.record(z.string().regex(/^R[1-9]$/, { message: 'a tier is R1 to R9' }), jetStreamLimitsSchema).optional(),
  limits: z
    .strictObject({
      connections: count().optional(),
      leafNodes: count().optional(),
      subscriptions: count().optional(),
      data: size().optional(),
      payload: size().optional(),
      imports: count().optional(),
      exports: count().optional(),
      wildcardExports: z.boolean().optional(),
      disallowBearer: z.boolean().optional(),
    })
    .optional(),
  exports: z.array(exportSchema).optional(),
  imports: z.array(importSchema).optional(),
});

export type NatsAccountSpec = z.infer<typeof natsAccountSchema>;
export type JetStreamLimitsSpec = z.infer<typeof jetStreamLimitsSchema>;
export type ExportSpec = z.infer<typeof exportSchema>;
export type ImportSpec = z.infer<typeof importSchema>;
