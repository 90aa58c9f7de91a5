/** `backup info|list`: what a backup directory holds, read from disk only, with its verification state. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JkError } from '../errors.js';
import { META_FILE, readBackupDir, readSidecar } from './format.js';

export interface BackupDescription {
  dir: string;
  stream: string;
  kind: 'stream' | 'kv' | 'obj';
  archive: string;
  bytes: number;
  messages: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  createdAt?: string;
  /** written by jetkeeper (checksums recorded) or by another tool such as the nats CLI */
  madeBy: 'jetkeeper' | 'other';
  archiveSha256?: string;
  /** `never` until `backup verify` restored it once */
  verified: 'never' | 'ok' | 'failed';
  lastVerification?: string;
  /** problem reading it (empty backup.json: an interrupted backup) */
  problem?: string;
}

function describeOne(dir: string): BackupDescription {
  const files = readBackupDir(dir);
  const side = readSidecar(dir);
  const st = files.meta.state as { messages?: number; first_seq?: number; last_seq?: number; consumer_count?: number };
  const stream = String(files.meta.config.name);
  const last = side?.verifications.at(-1);
  return {
    dir, stream, kind: stream.startsWith('KV_') ? 'kv' : stream.startsWith('OBJ_') ? 'obj' : 'stream', archive: files.archive, bytes: statSync(files.archivePath).size,
    messages: st.messages ?? 0, firstSeq: st.first_seq ?? 0, lastSeq: st.last_seq ?? 0, consumers: st.consumer_count ?? 0, createdAt: side?.createdAt || undefined,
    madeBy: side?.createdAt ? 'jetkeeper' : 'other', archiveSha256: side?.archiveSha256, verified: !last ? 'never' : last.ok ? 'ok' : 'failed', lastVerification: last?.at,
  };
}

function broken(dir: string, e: JkError): BackupDescription {
  return { dir, stream: '', kind: 'stream', archive: '', bytes: 0, messages: 0, firstSeq: 0, lastSeq: 0, consumers: 0, madeBy: 'other', verified: 'never', problem: `${e.code} ${e.message}` };
}

/** The backup in `dir`, or one per subdirectory holding backup.json (an account backup). */
export function describeBackups(dir: string): BackupDescription[] {
  if (existsSync(join(dir, META_FILE))) return [describeOne(dir)];
  if (!existsSync(dir)) throw new JkError('JK7011', { message: `${dir} does not exist`, fix: 'pass a directory written by `jetkeeper backup` or `nats backup`' });
  const subs = readdirSync(dir).sort().map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory() && existsSync(join(p, META_FILE)));
  if (!subs.length) throw new JkError('JK7011', { message: `${dir} holds no backups (no ${META_FILE} in it or its subdirectories)`, fix: 'pass a directory written by `jetkeeper backup` or `nats backup`' });
  return subs.map((p) => {
    try {
      return describeOne(p);
    } catch (e) {
      if (e instanceof JkError) return broken(p, e);
      throw e;
    }
  });
}
