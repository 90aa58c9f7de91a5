/** Restoring a backup directory (jetkeeper's or the nats CLI's) through the server's restore API. */
import { open } from 'node:fs/promises';
import { JkError } from '../errors.js';
import type { JetStreamAdmin, JsonConfig } from '../nats/admin.js';
import { consumerPositions, restoreChunkSize, restoreStream, type ConsumerPosition } from '../nats/snapshot.js';
import { ARCHIVE_TAR, checkArchive, readBackupDir, readSidecar } from './format.js';

export interface RestoreOptions {
  /** restore under this name (needs a 2.15 archive, stream.arc.s2: older servers' archives carry the name) */
  as?: string;
  /** delete a stream of the same name first */
  force?: boolean;
  /** subjects of the restored stream instead of the backed-up ones (with `as`, the original usually still holds them) */
  subjects?: string[];
  /** number of replicas of the restored stream (default: as backed up) */
  replicas?: number;
  /**
   * bytes per upload request (default 1 MiB, at most the server's max_payload). The nats CLI sends
   * 64 KiB, one at a time; with the JavaScript client every request costs a fixed amount of CPU
   * (a socket write, the request's bookkeeping), so fewer, larger chunks restore faster.
   */
  chunkSize?: number;
  /** upload requests in flight (default 4) */
  inflight?: number;
  /** final changes to the config sent (scratch restores) */
  editConfig?: (config: JsonConfig) => JsonConfig;
  onProgress?: (bytes: number, chunks: number) => void;
  signal?: AbortSignal;
}

export interface RestoreSummary {
  stream: string;
  from: string;
  dir: string;
  archive: string;
  bytes: number;
  messages: number;
  firstSeq: number;
  lastSeq: number;
  consumers: ConsumerPosition[];
  durationMs: number;
  mbPerSec: number;
  replaced: boolean;
}

function targetConfig(config: JsonConfig, dir: string, archive: string, opts: RestoreOptions): JsonConfig {
  const name = String(config.name);
  if (config.storage === 'memory') {
    throw new JkError('JK7003', { message: `the backup in ${dir} is of a memory stream, and memory streams do not support snapshots`, resource: `Stream/${name}`, field: 'config.storage', fix: 'back up a file-storage mirror of the stream instead' });
  }
  let out = structuredClone(config);
  if (opts.as && opts.as !== name) {
    if (archive === ARCHIVE_TAR) {
      throw new JkError('JK7007', {
        message: `the backup in ${dir} (${ARCHIVE_TAR}, from a server before 2.15) carries the name ${name} inside its archive, so it cannot be restored as ${opts.as}`,
        resource: `Stream/${name}`, option: 'as',
        fix: `restore it as ${name} (on another server or account if ${name} exists here), or back the stream up again from nats-server 2.15 or newer`,
      });
    }
    out.name = opts.as;
  }
  if (opts.replicas) out.num_replicas = opts.replicas;
  if (opts.subjects?.length) out.subjects = opts.subjects;
  if (opts.editConfig) out = opts.editConfig(out);
  return out;
}

/**
 * The archive in blocks of `size` bytes. A block is read into a buffer the upload gave back (the
 * server acknowledged the chunk in it, so nothing refers to it any more), else into a new one: a
 * restore allocates a few buffers instead of one per chunk, which the garbage collector would have
 * to reclaim while the upload runs.
 */
function archiveChunks(path: string, size: number): { chunks: AsyncIterable<Uint8Array>; release: (chunk: Uint8Array) => void } {
  const free: Buffer[] = [];
  async function* read(): AsyncIterable<Uint8Array> {
    const fh = await open(path, 'r');
    try {
      for (;;) {
        const buf = free.pop() ?? Buffer.allocUnsafeSlow(size);
        const { bytesRead } = await fh.read(buf, 0, size, null);
        if (!bytesRead) return;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }
  const release = (chunk: Uint8Array) => {
    if (chunk.buffer.byteLength === size) free.push(Buffer.from(chunk.buffer, 0, size));
  };
  return { chunks: read(), release };
}

async function makeRoom(admin: JetStreamAdmin, stream: string, dir: string, force: boolean | undefined): Promise<boolean> {
  if (!(await admin.streamInfo(stream))) return false;
  if (!force) {
    throw new JkError('JK7006', { message: `stream ${stream} already exists; restore never overwrites a stream unless told`, resource: `Stream/${stream}`, option: 'force', fix: `restore under another name (\`as\` NEW_NAME), or pass \`force\` to delete ${stream} and replace it with the backup in ${dir}` });
  }
  await admin.deleteStream(stream);
  return true;
}

/**
 * Restores the backup in `dir`. The archive is checked first (recorded sha256, S2 framing), so a
 * corrupt or truncated backup is refused before anything is created; a restore the server
 * refuses midway leaves no stream behind.
 */
export async function restoreBackup(admin: JetStreamAdmin, dir: string, opts: RestoreOptions = {}): Promise<RestoreSummary> {
  const files = readBackupDir(dir);
  await checkArchive(files, readSidecar(dir));
  const config = targetConfig(files.meta.config, dir, files.archive, opts);
  const stream = String(config.name);
  const replaced = await makeRoom(admin, stream, dir, opts.force);
  const started = Date.now();
  let bytes = 0;
  try {
    const archive = archiveChunks(files.archivePath, restoreChunkSize(admin, opts.chunkSize));
    await restoreStream(admin, { config, state: files.meta.state }, archive.chunks, {
      signal: opts.signal,
      inflight: opts.inflight,
      release: archive.release,
      onProgress: (b, c) => {
        bytes = b;
        opts.onProgress?.(b, c);
      },
    });
  } catch (e) {
    await removeLeftover(admin, stream);
    throw explainOverlap(e, stream);
  }
  const durationMs = Date.now() - started;
  const info = await replicasCurrent(admin, stream);
  const st = info?.state;
  return {
    stream, from: String(files.meta.config.name), dir, archive: files.archive, bytes, messages: st?.messages ?? 0, firstSeq: st?.first_seq ?? 0, lastSeq: st?.last_seq ?? 0,
    consumers: await consumersBack(admin, stream, Number((files.meta.state as { consumer_count?: number }).consumer_count ?? 0)), durationMs, mbPerSec: durationMs > 0 ? Math.round((bytes / 1_048_576 / (durationMs / 1000)) * 100) / 100 : 0, replaced,
  };
}

/** In a cluster the followers copy the restored stream from the leader: waits (up to 30 s) until every replica is current, so reads from any of them see everything. */
async function replicasCurrent(admin: JetStreamAdmin, stream: string) {
  const until = Date.now() + 30_000;
  for (;;) {
    const info = await admin.streamInfo(stream);
    const behind = (info?.cluster?.replicas ?? []).filter((r) => !r.current || (r.lag ?? 0) > 0 || r.offline);
    if (!behind.length || Date.now() > until) return info;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** In a cluster the stream leader recreates the consumers after the restore answered: waits (up to 60 s: a loaded cluster is slow to) until `count` different names are listed. */
async function consumersBack(admin: JetStreamAdmin, stream: string, count: number): Promise<ConsumerPosition[]> {
  const until = Date.now() + 60_000;
  for (;;) {
    const list = await consumerPositions(admin, stream);
    if (list.length >= count || Date.now() > until) return list;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function explainOverlap(e: unknown, stream: string): unknown {
  if (!(e instanceof JkError) || !/subjects overlap/.test(e.message)) return e;
  return new JkError(e.code, {
    message: e.message, resource: e.resource, apiCode: e.apiCode, cause: e, option: 'subjects',
    fix: `another stream (often the original) already takes the backed-up subjects: restore ${stream} with \`subjects\` naming subjects of its own, or delete the other stream first`,
  });
}

/** How long a cluster may take to show a stream whose restore it refused (seen: about 7 s on a loaded 3-node cluster). */
const LEFTOVER_WAIT_MS = 20_000;

/**
 * A failed restore must not leave half a stream: the name was free (or freed) before, so whatever
 * is there now came from this restore. In a cluster the stream the refused restore reserved can
 * appear seconds after the refusal: the name is watched that long, and the stream deleted when it shows.
 */
async function removeLeftover(admin: JetStreamAdmin, stream: string): Promise<void> {
  const clustered = !!(admin.nc.info as { cluster?: string } | undefined)?.cluster;
  const until = Date.now() + (clustered ? LEFTOVER_WAIT_MS : 0);
  for (;;) {
    try {
      if (await admin.streamInfo(stream)) {
        await admin.deleteStream(stream);
        return;
      }
    } catch {
      /* the original error matters more */
    }
    if (Date.now() >= until) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
