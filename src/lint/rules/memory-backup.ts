/**
 * JKL017: a memory stream (or bucket) with a backup policy: the annotation jetkeeper.io/backup on
 * the stream, or a BackupPolicy document naming it in spec.streams (spec.keyValues,
 * spec.objectStores for buckets). Data worth a backup is data worth keeping on disk, and a memory
 * stream loses everything after the last backup on any restart.
 */
import type { BackupPolicy } from '../../backup/policy.js';
import type { Resource } from '../../manifests/validate.js';
import { ANNOTATIONS, type LintContext } from '../context.js';
import type { RawFinding, Rule } from '../types.js';
import { at, spec } from './util.js';

type Stored = { name?: string; bucket?: string; storage?: string };

/** The names a policy selects for a kind: stream names, or bucket names. */
function selected(p: BackupPolicy, r: Resource): readonly string[] {
  if (r.kind === 'Stream') return p.spec.streams;
  if (r.kind === 'KeyValue') return p.spec.keyValues;
  return r.kind === 'ObjectStore' ? p.spec.objectStores : [];
}

function why(ctx: LintContext, r: Resource): string | undefined {
  const note = ctx.annotations(r)[ANNOTATIONS.backup];
  if (r.kind === 'Stream' && (note ?? 'false') !== 'false') return `${ANNOTATIONS.backup}: ${JSON.stringify(note)}`;
  const s = r.spec as Stored;
  const policy = ctx.backupPolicies.find((p) => selected(p, r).includes((r.kind === 'Stream' ? s.name : s.bucket) ?? ''));
  return policy ? `BackupPolicy/${policy.metadata.name}` : undefined;
}

function check(ctx: LintContext): RawFinding[] {
  return ctx.resources.flatMap((r) => {
    const s = r.spec as Stored;
    if (s.storage !== 'memory') return [];
    const reason = why(ctx, r);
    const name = r.kind === 'Stream' ? `stream ${s.name}` : `${r.kind} ${s.bucket}`;
    return reason ? [at(r, spec('storage'), `${name} is in memory but has a backup policy (${reason})`)] : [];
  });
}

export const memoryBackup: Rule = {
  id: 'JKL017',
  name: 'memory-stream-backup',
  severity: 'warning',
  title: 'a memory stream with a backup policy: what is worth a backup is worth file storage',
  fix: 'set storage: file (and keep the backups), or drop the backup annotation or the BackupPolicy entry',
  fields: ['stream.storage'],
  check,
};
