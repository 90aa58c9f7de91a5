/** `jetkeeper backup STREAM DIR | --kv BUCKET DIR | --obj BUCKET DIR | --all DIR`, and `backup verify|info|list DIR`. */
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { backupAccount, backupStream, describeBackups, streamOf, verifyBackup, type BackupKind, type BackupOptions } from '../backup/index.js';
import { parseSelector } from '../backup/selector.js';
import { renderAccountBackup, renderBackup, renderBackupList, renderVerify } from '../backup/render.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer } from '../local/binary.js';
import { clusterSettings, startCluster } from '../local/cluster.js';
import { JetStreamAdmin } from '../nats/admin.js';
import { action, cacheDir, emit, globalOptions, progressLine, untilInterrupted, withAdmin } from './common.js';
import { intFlag } from './flags.js';

interface BackupFlags { kv?: boolean; obj?: boolean; all?: boolean; account?: boolean; selector?: string; consumers: boolean; check?: boolean; chunkSize?: string; windowSize?: string; digest: boolean }

/** The backup commands' own library options, shown as their flags (the shared table knows the common ones). */
const BACKUP_FLAGS: Record<string, string> = { selector: '--selector', as: '--as', force: '--force', subjects: '--subjects', confirm: '--confirm', dryRun: '--dry-run', chunkSize: '--chunk-size' };

function withBackupFlags(e: JkError): JkError {
  const swap = (t: string | undefined) => t?.replace(/`([A-Za-z]+)`/g, (whole, name: string) => BACKUP_FLAGS[name] ?? whole);
  return new JkError(e.code, { message: swap(e.message)!, fix: swap(e.fix), resource: e.resource, field: e.field, at: e.at, cause: e.cause, transient: e.transient, apiCode: e.apiCode, option: e.option });
}

/** `action` for the backup commands: their options are named as flags in errors. */
export function backupAction<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return action(async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      throw e instanceof JkError ? withBackupFlags(e) : e;
    }
  });
}

function target(first: string, second: string | undefined, f: BackupFlags): { kind: BackupKind | 'all'; name?: string; dir: string } {
  const picked = [f.kv && 'kv', f.obj && 'obj', (f.all || f.account) && 'all'].filter(Boolean) as (BackupKind | 'all')[];
  if (picked.length > 1) throw new JkError('JK7001', { message: 'choose one of --kv, --obj and --all/--account', fix: 'run one backup per kind' });
  const kind = picked[0] ?? 'stream';
  if (f.selector !== undefined && kind !== 'all') throw new JkError('JK7001', { message: '--selector chooses among all streams: it needs --all', fix: 'jetkeeper backup --all --selector team=orders DIR' });
  if (kind === 'all') {
    if (second !== undefined) throw new JkError('JK7001', { message: `--all takes only the target directory, got "${first}" and "${second}"`, fix: 'jetkeeper backup --all DIR' });
    return { kind, dir: first };
  }
  if (second === undefined) throw new JkError('JK7001', { message: 'missing the target directory', fix: kind === 'stream' ? 'jetkeeper backup STREAM DIR' : `jetkeeper backup --${kind} BUCKET DIR` });
  return { kind, name: first, dir: second };
}

function snapshotOptions(f: BackupFlags, onProgress: (b: number) => void): BackupOptions {
  return {
    noConsumers: !f.consumers, healthCheck: f.check, digest: f.digest, onProgress,
    chunkSize: f.chunkSize ? intFlag('chunk-size', f.chunkSize, 1024) : undefined,
    windowSize: f.windowSize ? intFlag('window-size', f.windowSize, 1024) : undefined,
  };
}

/** Runs `fn` against a single JetStream server of its own, in a temporary directory that is removed afterwards. */
async function onThrowawayServer<T>(explicit: string | undefined, fn: (admin: JetStreamAdmin) => Promise<T>): Promise<T> {
  const bin = findNatsServer({ explicit, envPath: process.env.JETKEEPER_NATS_SERVER, cacheDir: cacheDir(), pathEnv: process.env.PATH });
  const dir = mkdtempSync(join(tmpdir(), 'jetkeeper-verify-'));
  try {
    return await untilInterrupted(['SIGINT', 'SIGTERM'], async (signal) => {
      const cluster = await startCluster({ servers: 1, dir, bin, signal });
      try {
        const admin = await JetStreamAdmin.connect(clusterSettings(cluster));
        try {
          return await fn(admin);
        } finally {
          await admin.close();
        }
      } finally {
        await cluster.stop({ purge: true });
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function backupCommand(program: Command): void {
  const cmd = program
    .command('backup')
    .description('back up a stream, KV bucket, object store or every stream into a directory the nats CLI can restore (backup.json + stream.arc.s2/stream.tar.s2, plus jetkeeper-backup.json with checksums)')
    .argument('<stream|dir>', 'stream to back up (with --kv/--obj: the bucket; with --all: the target directory)')
    .argument('[dir]', 'target directory (created, must not hold a backup)')
    .option('--kv', 'the first argument is a KV bucket (stream KV_<bucket>)')
    .option('--obj', 'the first argument is an object store (stream OBJ_<bucket>)')
    .option('--all', 'every stream of the account, one subdirectory each (as `nats account backup`)')
    .option('--account', 'same as --all')
    .option('--selector <terms>', 'with --all: only streams whose metadata match (team=orders, team!=x, team, !team; name=ORDERS* for names; comma = and)')
    .option('--no-consumers', 'leave consumer state out')
    .option('--check', 'the server checks message checksums before the snapshot')
    .option('--chunk-size <bytes>', 'bytes per chunk the server sends (default 131072)')
    .option('--window-size <bytes>', 'flow-control window (nats-server 2.12.5+)')
    .option('--no-digest', 'skip the replay that records a content digest for `backup verify`')
    .action(backupAction(async (first: string, second: string | undefined, f: BackupFlags, c: Command) => {
      const o = globalOptions(c);
      const t = target(first, second, f);
      let bytes = 0;
      const progress = progressLine(() => `backing up ${t.name ?? 'all streams'}: ${(bytes / 1_048_576).toFixed(1)} MiB`);
      try {
        const opts = snapshotOptions(f, (b) => (bytes = b));
        if (t.kind === 'all') {
          const selector = f.selector === undefined ? undefined : parseSelector(f.selector);
          const r = await withAdmin(o, (admin) => backupAccount(admin, t.dir, { ...opts, selector }));
          progress.stop();
          emit(o, r, () => renderAccountBackup(r));
          return;
        }
        const r = await withAdmin(o, (admin) => backupStream(admin, streamOf(t.kind as BackupKind, t.name!), t.dir, opts));
        progress.stop();
        emit(o, r, () => renderBackup(r));
      } finally {
        progress.stop();
      }
    }));

  cmd
    .command('verify')
    .description('prove a backup by restoring it into a scratch stream, comparing count, sequences, subjects and a content digest, then deleting the scratch copy')
    .argument('<dir>', 'backup directory')
    .option('--local', 'verify on a throwaway local nats-server (started in a temporary directory, removed afterwards) instead of the target system')
    .option('--nats-server <path>', 'with --local: the nats-server binary (default: $JETKEEPER_NATS_SERVER, the cache, $PATH)')
    .action(backupAction(async (dir: string, f: { local?: boolean; natsServer?: string }, c: Command) => {
      const o = globalOptions(c);
      const r = f.local ? await onThrowawayServer(f.natsServer, (admin) => verifyBackup(admin, dir)) : await withAdmin(o, (admin) => verifyBackup(admin, dir));
      emit(o, r, () => renderVerify(r));
      return r.ok ? 0 : 1;
    }));

  for (const [name, description] of [['info', 'show a backup: stream, size, messages, consumers, checksums, verified or never verified'], ['list', 'list the backups in a directory (one per subdirectory, or the directory itself), each verified or never verified']] as const) {
    cmd
      .command(name)
      .description(description)
      .argument('<dir>', 'backup directory')
      .action(backupAction(async (dir: string, _f: unknown, c: Command) => {
        const o = globalOptions(c);
        const r = describeBackups(dir);
        emit(o, name === 'info' && r.length === 1 ? r[0] : r, () => renderBackupList(r, name === 'info'));
      }));
  }
}
