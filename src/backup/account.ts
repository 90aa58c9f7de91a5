/** Every stream of an account, one subdirectory each (`<dir>/<stream>/`), as `nats account backup` writes it. */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JkError } from '../errors.js';
import type { JetStreamAdmin } from '../nats/admin.js';
import { streamNames } from '../nats/snapshot.js';
import { backupStream, type BackupOptions, type BackupSummary } from './backup.js';
import { META_FILE } from './format.js';
import { restoreBackup, type RestoreOptions, type RestoreSummary } from './restore.js';
import type { Selector } from './selector.js';

export interface AccountBackupResult {
  dir: string;
  streams: BackupSummary[];
  /** streams left out, with why (memory storage) */
  skipped: { stream: string; code: string; reason: string }[];
  bytes: number;
  durationMs: number;
}

/** The account's streams that `selector` keeps (by name and config metadata); all of them without one. */
export async function selectStreams(admin: JetStreamAdmin, selector: Selector | undefined): Promise<string[]> {
  const names = await streamNames(admin);
  if (!selector) return names;
  const out: string[] = [];
  for (const name of names) {
    const info = await admin.streamInfo(name);
    if (info && selector.matches({ name, metadata: info.config.metadata as Record<string, string> | undefined })) out.push(name);
  }
  return out;
}

/** Backs up every stream (or those `selector` keeps); memory streams are skipped and reported, any other failure stops. */
export async function backupAccount(admin: JetStreamAdmin, dir: string, opts: BackupOptions & { selector?: Selector } = {}): Promise<AccountBackupResult> {
  const started = Date.now();
  const streams = await selectStreams(admin, opts.selector);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const result: AccountBackupResult = { dir, streams: [], skipped: [], bytes: 0, durationMs: 0 };
  for (const stream of streams) {
    try {
      result.streams.push(await backupStream(admin, stream, join(dir, stream), opts));
    } catch (e) {
      if (!(e instanceof JkError) || e.code !== 'JK7003') throw e;
      result.skipped.push({ stream, code: e.code, reason: e.message });
    }
  }
  result.bytes = result.streams.reduce((n, s) => n + s.bytes, 0);
  result.durationMs = Date.now() - started;
  return result;
}

/** The stream backups in an account backup directory; JK7011 for anything else in it. */
export function accountBackupDirs(dir: string): string[] {
  if (!existsSync(dir)) throw new JkError('JK7011', { message: `${dir} does not exist`, fix: 'pass the directory `jetkeeper backup --account` or `nats account backup` wrote' });
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory() || !existsSync(join(p, META_FILE))) {
      throw new JkError('JK7011', { message: `${p} is not a stream backup directory (an account backup holds one directory with ${META_FILE} per stream)`, fix: `move ${name} out of ${dir}, or restore single streams with \`jetkeeper restore DIR\`` });
    }
    out.push(p);
  }
  return out;
}

/** Restores every stream of an account backup; like the nats CLI, refuses up front when any of them exists (unless `force`). */
export async function restoreAccount(admin: JetStreamAdmin, dir: string, opts: Omit<RestoreOptions, 'as'> = {}): Promise<{ dir: string; streams: RestoreSummary[] }> {
  const dirs = accountBackupDirs(dir);
  if (!opts.force) {
    const taken: string[] = [];
    for (const d of dirs) if (await admin.streamInfo(d.split('/').pop()!)) taken.push(d.split('/').pop()!);
    if (taken.length) {
      throw new JkError('JK7006', { message: `streams already exist: ${taken.join(', ')}; nothing was restored`, option: 'force', fix: 'delete them first, or pass `force` to replace them with the backups' });
    }
  }
  const streams: RestoreSummary[] = [];
  for (const d of dirs) streams.push(await restoreBackup(admin, d, opts));
  return { dir, streams };
}
