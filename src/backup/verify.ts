/**
 * `backup verify`: a backup is only proven by a restore. Restores into a scratch stream, compares
 * what the server then reports with what the backup recorded, deletes the scratch copy, and
 * records the verification beside the backup.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { JkError } from '../errors.js';
import type { JetStreamAdmin, JsonConfig } from '../nats/admin.js';
import { digestStream, type ConsumerPosition } from '../nats/snapshot.js';
import { kindOfStream } from './backup.js';
import { ARCHIVE_TAR, readBackupDir, readSidecar, sha256File, sha256Text, SIDECAR_FORMAT, writeSidecar, type BackupFiles, type Sidecar, type Verification } from './format.js';
import { restoreBackup, type RestoreSummary } from './restore.js';

export interface VerifyResult extends Verification {
  dir: string;
  stream: string;
  durationMs: number;
}

/** The config of a scratch copy: no subjects of its own (so none overlap the original), no sources, one replica, nothing expires meanwhile. */
export function scratchConfig(config: JsonConfig): JsonConfig {
  const out = structuredClone(config);
  for (const k of ['subjects', 'mirror', 'sources', 'republish', 'subject_transform', 'placement']) delete out[k];
  out.subjects = [`$JKVERIFY.${String(out.name)}`];
  out.num_replicas = 1;
  out.max_age = 0;
  return out;
}

async function scratchName(admin: JetStreamAdmin, files: BackupFiles): Promise<string> {
  const name = String(files.meta.config.name);
  if (files.archive !== ARCHIVE_TAR) return `JKVERIFY_${randomBytes(4).toString('hex')}_${name}`.slice(0, 200);
  if (!(await admin.streamInfo(name))) return name;
  throw new JkError('JK7007', {
    message: `the backup in ${files.dir} (${ARCHIVE_TAR}, from a server before 2.15) can only be restored as ${name}, and ${name} exists on this server`,
    resource: `Stream/${name}`,
    fix: 'verify it against another server or account where the name is free (e.g. a `jetkeeper up` cluster), or back the stream up again from nats-server 2.15 or newer',
  });
}

async function sidecarFor(files: BackupFiles, existing: Sidecar | undefined): Promise<Sidecar> {
  if (existing) return existing;
  const name = String(files.meta.config.name);
  return {
    format: SIDECAR_FORMAT, stream: name, kind: kindOfStream(name), archive: files.archive, archiveBytes: statSync(files.archivePath).size, archiveSha256: await sha256File(files.archivePath),
    metaSha256: sha256Text(files.metaText), createdAt: '', serverVersion: '', durationMs: 0, chunks: 0, consumers: [], digestNote: 'taken by another tool: the first verification records the digest', verifications: [],
  };
}

function check(name: string, expected: unknown, actual: unknown): Verification['checks'][number] {
  return { name, ok: JSON.stringify(expected) === JSON.stringify(actual), expected, actual };
}

function consumerChecks(sidecar: Sidecar, restored: ConsumerPosition[]): Verification['checks'] {
  if (!sidecar.consumers.length && !restored.length) return [];
  const out = [check('consumer names', sidecar.consumers.map((c) => c.name), restored.map((c) => c.name))];
  if (sidecar.consumersExact) {
    // unacknowledged deliveries come back as pending again (the server resets delivered to the ack floor), so the ack floor is what must match
    out.push(check('consumer ack floors', sidecar.consumers.map((c) => [c.name, c.ackFloor]), restored.map((c) => [c.name, c.ackFloor])));
  }
  return out;
}

type State = { messages?: number; first_seq?: number; last_seq?: number };

/**
 * The scratch copy's digest. Right after a restore the replica that serves the replay may still be
 * copying it and give a short read: a digest that differs from the recorded one is taken again a few
 * times (a backup that really differs never matches, it only takes longer to say so).
 */
async function settledDigest(admin: JetStreamAdmin, stream: string, lastSeq: number, want: string | undefined): Promise<Awaited<ReturnType<typeof digestStream>>> {
  let d = await digestStream(admin, stream, lastSeq);
  for (let i = 0; want && d.sha256 !== want && i < 5; i++) {
    await new Promise((res) => setTimeout(res, 1000));
    d = await digestStream(admin, stream, lastSeq);
  }
  return d;
}

async function compare(admin: JetStreamAdmin, r: RestoreSummary, want: { st: State; sidecar: Sidecar }, checks: Verification['checks']): Promise<void> {
  const { st, sidecar } = want;
  const scratch = r.stream;
  checks.push(check('messages', st.messages ?? 0, r.messages), check('first sequence', st.first_seq ?? 0, r.firstSeq), check('last sequence', st.last_seq ?? 0, r.lastSeq));
  const d = await settledDigest(admin, scratch, r.messages > 0 ? r.lastSeq : 0, sidecar.digest?.sha256);
  if (sidecar.digest) checks.push(check('subject counts', sidecar.digest.subjects, d.subjects), check('content digest (sha256)', sidecar.digest.sha256, d.sha256));
  else if (checks.every((c) => c.ok)) sidecar.digest = d;
  checks.push(...consumerChecks(sidecar, r.consumers));
}

/** Restores `dir` into a scratch stream on `admin`'s server and compares; always deletes the scratch stream; records the result. */
export async function verifyBackup(admin: JetStreamAdmin, dir: string, opts: { now?: () => Date } = {}): Promise<VerifyResult> {
  const started = Date.now();
  const files = readBackupDir(dir);
  const sidecar = await sidecarFor(files, readSidecar(dir));
  const scratch = await scratchName(admin, files);
  const st = files.meta.state as { messages?: number; first_seq?: number; last_seq?: number };
  const checks: Verification['checks'] = [];
  try {
    const r = await restoreBackup(admin, dir, { as: scratch, editConfig: scratchConfig }).catch((e: unknown) => {
      if (!(e instanceof JkError) || !['JK7005', 'JK7009'].includes(e.code)) throw e;
      checks.push(check('restore', 'restored', `${e.code} ${e.message}`));
      return undefined;
    });
    if (r) await compare(admin, r, { st, sidecar }, checks);
  } finally {
    await admin.deleteStream(scratch).catch(() => {});
  }
  const v: Verification = { at: (opts.now ?? (() => new Date()))().toISOString(), ok: checks.every((c) => c.ok), scratch, server: admin.serverVersion, checks };
  sidecar.verifications.push(v);
  writeSidecar(dir, sidecar);
  return { ...v, dir, stream: String(files.meta.config.name), durationMs: Date.now() - started };
}
