/** Backing up one stream (or KV bucket, object store) into a directory the nats CLI can restore. */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { JkError } from '../errors.js';
import type { JetStreamAdmin } from '../nats/admin.js';
import { consumerPositions, digestStream, snapshotStream, type ConsumerPosition, type SnapshotOptions } from '../nats/snapshot.js';
import { archiveNameFor, ARCHIVE_TAR, ARCHIVE_V2, META_FILE, metaText, sha256Text, SIDECAR_FILE, SIDECAR_FORMAT, writeAtomic, writeSidecar, type Sidecar } from './format.js';

export type BackupKind = 'stream' | 'kv' | 'obj';

/** The stream behind a KV bucket (`KV_<bucket>`) or object store (`OBJ_<bucket>`). */
export function streamOf(kind: BackupKind, name: string): string {
  return kind === 'kv' ? `KV_${name}` : kind === 'obj' ? `OBJ_${name}` : name;
}

export function kindOfStream(stream: string): BackupKind {
  return stream.startsWith('KV_') ? 'kv' : stream.startsWith('OBJ_') ? 'obj' : 'stream';
}

export interface BackupOptions extends Pick<SnapshotOptions, 'chunkSize' | 'windowSize' | 'noConsumers' | 'healthCheck' | 'onProgress' | 'signal'> {
  /** replay the stream after the snapshot to record a content digest (default true) */
  digest?: boolean;
  now?: () => Date;
}

export interface BackupSummary {
  stream: string;
  kind: BackupKind;
  dir: string;
  archive: string;
  bytes: number;
  chunks: number;
  messages: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  durationMs: number;
  mbPerSec: number;
  archiveSha256: string;
  digest: boolean;
}

function mbPerSec(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes / 1_048_576 / (ms / 1000)) * 100) / 100 : 0;
}

/** Refuses a directory already holding a backup; creates it (0700) otherwise. */
function prepareDir(dir: string, stream: string): void {
  if (existsSync(dir)) {
    const found = readdirSync(dir).filter((f) => [META_FILE, ARCHIVE_V2, ARCHIVE_TAR, SIDECAR_FILE].includes(f));
    if (found.length) {
      throw new JkError('JK7004', { message: `${dir} already holds a backup (${found.join(', ')})`, resource: `Stream/${stream}`, fix: 'back up into a new directory; backups are never overwritten' });
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

async function checkStream(admin: JetStreamAdmin, stream: string): Promise<void> {
  const info = await admin.streamInfo(stream);
  if (!info) {
    throw new JkError('JK7002', { message: `stream ${stream} not found`, resource: `Stream/${stream}`, fix: 'list streams with `jetkeeper get streams`; back up a KV bucket with `jetkeeper backup --kv BUCKET DIR`, an object store with `jetkeeper backup --obj BUCKET DIR`' });
  }
  if (info.config.storage === 'memory') {
    throw new JkError('JK7003', {
      message: `stream ${stream} keeps its messages in memory, and memory streams do not support snapshots`,
      resource: `Stream/${stream}`,
      field: 'storage',
      fix: `create a file-storage stream that mirrors it (e.g. ${stream}_FILE with mirror: ${stream}, storage: file), wait until it caught up, and back that stream up`,
    });
  }
}

/** Streams the snapshot into `<archive>.partial`; removed again on any failure. */
async function snapshotToFile(admin: JetStreamAdmin, stream: string, path: string, opts: BackupOptions) {
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  const hash = createHash('sha256');
  try {
    const r = await snapshotStream(admin, stream, (c) => {
      hash.update(c);
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off);
    }, opts);
    closeSync(fd);
    renameSync(partial, path);
    return { ...r, sha256: hash.digest('hex') };
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(partial, { force: true });
    throw e;
  }
}

/**
 * Backs up `stream` into `dir`: backup.json and the archive exactly as the nats CLI writes them
 * (the archive named for the server version), then jetkeeper's record with checksums, consumer
 * positions and a content digest. A failed backup leaves no backup.json behind.
 */
export async function backupStream(admin: JetStreamAdmin, stream: string, dir: string, opts: BackupOptions = {}): Promise<BackupSummary> {
  const now = opts.now ?? (() => new Date());
  await checkStream(admin, stream);
  prepareDir(dir, stream);
  const archive = archiveNameFor(admin.serverVersion);
  const started = Date.now();
  const before = opts.noConsumers ? [] : await consumerPositions(admin, stream);
  const snap = await snapshotToFile(admin, stream, join(dir, archive), opts);
  const text = metaText(snap.config, snap.state);
  writeAtomic(join(dir, META_FILE), text);
  const durationMs = Date.now() - started;
  const sidecar = await buildSidecar(admin, { stream, dir, archive, snap, text, durationMs, before }, opts, now);
  writeSidecar(dir, sidecar);
  const st = snap.state as { messages?: number; first_seq?: number; last_seq?: number };
  return {
    stream, kind: kindOfStream(stream), dir, archive, bytes: snap.bytes, chunks: snap.chunks, messages: st.messages ?? 0, firstSeq: st.first_seq ?? 0, lastSeq: st.last_seq ?? 0,
    consumers: sidecar.consumers.length, durationMs, mbPerSec: mbPerSec(snap.bytes, durationMs), archiveSha256: sidecar.archiveSha256, digest: !!sidecar.digest,
  };
}

interface Taken {
  stream: string;
  dir: string;
  archive: Sidecar['archive'];
  snap: Awaited<ReturnType<typeof snapshotStream>> & { sha256: string };
  text: string;
  durationMs: number;
  before: ConsumerPosition[];
}

const floors = (ps: ConsumerPosition[]) => JSON.stringify(ps.map((p) => [p.name, p.delivered, p.ackFloor]));

async function buildSidecar(admin: JetStreamAdmin, t: Taken, opts: BackupOptions, now: () => Date): Promise<Sidecar> {
  const { stream, dir, archive, snap, text, durationMs } = t;
  const st = snap.state as { messages?: number; first_seq?: number; last_seq?: number };
  const positions = opts.noConsumers ? [] : await consumerPositions(admin, stream);
  const sidecar: Sidecar = {
    format: SIDECAR_FORMAT, stream, kind: kindOfStream(stream), archive, archiveBytes: snap.bytes, archiveSha256: snap.sha256,
    metaSha256: sha256Text(text), createdAt: now().toISOString(), serverVersion: admin.serverVersion, durationMs, chunks: snap.chunks,
    consumers: positions.map((p) => ({ name: p.name, delivered: p.delivered, ackFloor: p.ackFloor, numPending: p.numPending })),
    consumersExact: floors(positions) === floors(t.before), verifications: [],
  };
  if (opts.digest === false) return { ...sidecar, digestNote: 'no digest taken' };
  const d = await digestStream(admin, stream, (st.messages ?? 0) > 0 ? (st.last_seq ?? 0) : 0);
  if (d.messages !== (st.messages ?? 0) || (d.messages > 0 && d.firstSeq !== st.first_seq)) {
    return { ...sidecar, digestNote: `the stream changed while it was backed up (replay found ${d.messages} messages, the snapshot has ${st.messages ?? 0}): verification compares counts and sequences only` };
  }
  return { ...sidecar, digest: d };
}
