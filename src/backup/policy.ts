/**
 * BackupPolicy (`jetstream.jetkeeper.io/v1alpha1`): which streams and buckets, a cron schedule,
 * how many backups to keep, where they go, and whether each run is proven by a restore. The
 * controller schedules it with nextRun() and runs it with runBackupPolicy(); metrics.ts turns the
 * results into Prometheus metrics.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { JkError } from '../errors.js';
import type { ManifestDocument } from '../manifests/load.js';
import type { JetStreamAdmin } from '../nats/admin.js';
import { parseDuration } from '../resources/duration.js';
import { selectStreams } from './account.js';
import { backupStream, streamOf, type BackupSummary } from './backup.js';
import { parseSelector } from './selector.js';
import { SIDECAR_FILE } from './format.js';
import { verifyBackup } from './verify.js';
import { backupPolicySchema, POLICY_API_VERSION, POLICY_KIND, type BackupPolicy } from './policy-schema.js';

export { POLICY_API_VERSION, POLICY_KIND, backupPolicySpec, backupPolicySchema, type BackupPolicy } from './policy-schema.js';

/** The BackupPolicy documents among `docs`, validated; every problem is a JK7013 naming the field and file:line. */
export function validateBackupPolicies(docs: readonly ManifestDocument[]): { policies: BackupPolicy[]; errors: JkError[] } {
  const policies: BackupPolicy[] = [];
  const errors: JkError[] = [];
  for (const doc of docs) {
    if (doc.data.apiVersion !== POLICY_API_VERSION || doc.data.kind !== POLICY_KIND) continue;
    const r = backupPolicySchema.safeParse(doc.data);
    const resource = `BackupPolicy/${String((doc.data.metadata as { name?: unknown } | undefined)?.name ?? '?')}`;
    if (!r.success) {
      for (const issue of r.error.issues) {
        const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        errors.push(new JkError('JK7013', { message: issue.message, resource, field: path.join('.'), at: doc.positionOf(path), fix: 'see docs/backup.md for the BackupPolicy fields' }));
      }
      continue;
    }
    errors.push(...semanticErrors(r.data, doc, resource));
    policies.push(r.data);
  }
  return { policies, errors };
}

function semanticErrors(p: BackupPolicy, doc: ManifestDocument, resource: string): JkError[] {
  const out: JkError[] = [];
  const err = (field: string, message: string, fix: string) => out.push(new JkError('JK7013', { message, resource, field, at: doc.positionOf(field.split('.')), fix }));
  try {
    nextRun(p, new Date());
  } catch (e) {
    err('spec.schedule', `invalid cron schedule ${JSON.stringify(p.spec.schedule)}: ${(e as Error).message}`, 'use cron syntax, e.g. "0 2 * * *" for 02:00 every day');
  }
  if (p.spec.maxVerifiedAge && 'error' in parseDuration(p.spec.maxVerifiedAge)) err('spec.maxVerifiedAge', `invalid duration ${JSON.stringify(p.spec.maxVerifiedAge)}`, 'use a Go duration such as 26h');
  if (p.spec.selector !== undefined) {
    if (!p.spec.all) err('spec.selector', 'selector only applies with all: true', 'set all: true, or drop the selector and name the streams');
    try {
      parseSelector(p.spec.selector);
    } catch (e) {
      err('spec.selector', (e as JkError).message, (e as JkError).fix ?? 'see docs/backup.md');
    }
  }
  if (!p.spec.all && !p.spec.streams.length && !p.spec.keyValues.length && !p.spec.objectStores.length) err('spec', 'the policy backs up nothing', 'name streams, keyValues or objectStores, or set all: true');
  return out;
}

/** The next time the policy runs after `now`. */
export function nextRun(policy: BackupPolicy, now: Date): Date {
  return CronExpressionParser.parse(policy.spec.schedule, { currentDate: now, tz: policy.spec.timeZone ?? 'UTC' }).next().toDate();
}

/** The last scheduled time at or before `now`. */
export function previousRun(policy: BackupPolicy, now: Date): Date {
  return CronExpressionParser.parse(policy.spec.schedule, { currentDate: now, tz: policy.spec.timeZone ?? 'UTC' }).prev().toDate();
}

/** The policy's name in metrics and logs: `namespace/name` when it has a namespace. */
export function policyLabel(policy: BackupPolicy): string {
  return policy.metadata.namespace ? `${policy.metadata.namespace}/${policy.metadata.name}` : policy.metadata.name;
}

export interface PolicyStreamResult {
  stream: string;
  ok: boolean;
  dir?: string;
  bytes?: number;
  durationMs?: number;
  verified?: boolean;
  error?: { code: string; message: string };
  /** old backups removed by retention */
  pruned: string[];
}

export interface PolicyRunResult {
  policy: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  streams: PolicyStreamResult[];
}

export interface PolicyDeps {
  admin: JetStreamAdmin;
  now?: () => Date;
  /** aborts the snapshot in flight (the controller stopping); what it wrote is removed */
  signal?: AbortSignal;
}

/** The streams a policy names: its streams, and the streams of its KV buckets and object stores (with `all`, the others are known only once listed). */
export function namedStreams(p: BackupPolicy): string[] {
  return [...p.spec.streams.map((s) => streamOf('stream', s)), ...p.spec.keyValues.map((b) => streamOf('kv', b)), ...p.spec.objectStores.map((b) => streamOf('obj', b))];
}

/** The stream names the policy covers (with `all`, every stream of the account). */
export async function targets(p: BackupPolicy, admin: JetStreamAdmin): Promise<string[]> {
  const named = namedStreams(p);
  // `all` never takes the scratch copies a verification restores into
  const every = p.spec.all ? (await selectStreams(admin, p.spec.selector ? parseSelector(p.spec.selector) : undefined)).filter((n) => !n.startsWith('JKVERIFY_')) : [];
  return [...new Set([...every, ...named])];
}

/** A directory name that sorts by time: 2026-12-02T01-30-00Z. */
function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
}

/** Keeps the newest `keep` backups jetkeeper wrote under `dir`; removes only directories holding its record. */
function prune(dir: string, keep: number): string[] {
  if (!existsSync(dir)) return [];
  const ours = readdirSync(dir).filter((n) => existsSync(join(dir, n, SIDECAR_FILE))).sort();
  const old = ours.slice(0, Math.max(0, ours.length - keep));
  for (const n of old) rmSync(join(dir, n), { recursive: true, force: true });
  return old.map((n) => join(dir, n));
}

async function runOne(p: BackupPolicy, stream: string, deps: PolicyDeps, now: Date): Promise<PolicyStreamResult> {
  const dir = join(p.spec.destination, stream, stamp(now));
  try {
    const b: BackupSummary = await backupStream(deps.admin, stream, dir, { noConsumers: !p.spec.consumers, signal: deps.signal });
    const verified = p.spec.verify ? (await verifyBackup(deps.admin, dir)).ok : undefined;
    if (verified === false) throw new JkError('JK7010', { message: `the backup in ${dir} did not verify`, resource: `Stream/${stream}`, fix: `see \`jetkeeper backup info ${dir}\`` });
    return { stream, ok: true, dir, bytes: b.bytes, durationMs: b.durationMs, verified, pruned: prune(join(p.spec.destination, stream), p.spec.retention) };
  } catch (e) {
    // `all` takes every stream: a memory stream cannot be snapshotted and is left out, not a failure
    if (p.spec.all && e instanceof JkError && e.code === 'JK7003') return { stream, ok: true, error: { code: e.code, message: e.message }, pruned: [] };
    const err = e instanceof JkError ? { code: e.code, message: e.message } : { code: 'JK9001', message: String((e as Error)?.message ?? e) };
    // a backup that never completed is no backup: only a finished one (with its record) is kept, as evidence when its verification failed
    const kept = existsSync(join(dir, SIDECAR_FILE));
    if (!kept) rmSync(dir, { recursive: true, force: true });
    return { stream, ok: false, ...(kept ? { dir } : {}), error: err, pruned: [] };
  }
}

/** One run of the policy: each target backed up (and verified) into `<destination>/<stream>/<time>/`, then retention applied. Never throws for one stream's failure. */
export async function runBackupPolicy(policy: BackupPolicy, deps: PolicyDeps): Promise<PolicyRunResult> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const streams: PolicyStreamResult[] = [];
  for (const stream of await targets(policy, deps.admin)) {
    if (deps.signal?.aborted) break;
    streams.push(await runOne(policy, stream, deps, started));
  }
  return { policy: policyLabel(policy), startedAt: started.toISOString(), finishedAt: now().toISOString(), ok: streams.every((s) => s.ok), streams };
}
