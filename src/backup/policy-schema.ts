/**
 * The BackupPolicy kind (`jetstream.jetkeeper.io/v1alpha1`) as a schema: pure, so the CRD
 * generator (src/kube/crds.ts) and the JSON Schema can be made from it without the backup code.
 */
import { z } from 'zod';

export const POLICY_API_VERSION = 'jetstream.jetkeeper.io/v1alpha1';
export const POLICY_KIND = 'BackupPolicy';

const name = z.string().min(1).regex(/^[^\s.*>/\\]+$/, 'a stream or bucket name: no spaces, dots, wildcards or slashes');

export const backupPolicySpec = z.strictObject({
  /** stream names */
  streams: z.array(name).default([]),
  /** KV bucket names (streams KV_<bucket>) */
  keyValues: z.array(name).default([]),
  /** object store names (streams OBJ_<bucket>) */
  objectStores: z.array(name).default([]),
  /** every file-storage stream of the account */
  all: z.boolean().default(false),
  /** with `all`: only the streams this selects (`team=orders`, `name=ORDERS*`, ...; see docs/backup.md) */
  selector: z.string().optional(),
  /** cron syntax, 5 or 6 fields, UTC unless timeZone */
  schedule: z.string().min(1),
  timeZone: z.string().optional(),
  /** backups kept per stream (older ones are deleted after a successful run) */
  retention: z.number().int().min(1).default(7),
  /** directory the backups go to (a PVC mount in Kubernetes) */
  destination: z.string().min(1),
  /** prove each backup by restoring it into a scratch stream */
  verify: z.boolean().default(true),
  /** alert when the newest verified backup is older than this (Go duration, e.g. 26h) */
  maxVerifiedAge: z.string().optional(),
  /** include consumer state */
  consumers: z.boolean().default(true),
  /** true: no run is scheduled (the policy and its backups stay) */
  suspend: z.boolean().default(false),
});

export const backupPolicySchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION),
  kind: z.literal(POLICY_KIND),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: backupPolicySpec,
});

export type BackupPolicy = z.infer<typeof backupPolicySchema>;
