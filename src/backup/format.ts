/**
 * The backup directory, as the nats CLI writes it: `backup.json` ({config, state}) and the
 * server's archive, `stream.arc.s2` (nats-server 2.15 and newer) or `stream.tar.s2` (older).
 * jetkeeper adds `jetkeeper-backup.json` beside them (checksums, digest, verifications): the nats
 * CLI ignores it.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { JkError } from '../errors.js';
import type { JsonConfig } from '../nats/admin.js';
import type { StreamDigest } from '../nats/snapshot.js';

export const META_FILE = 'backup.json';
export const ARCHIVE_V2 = 'stream.arc.s2';
export const ARCHIVE_TAR = 'stream.tar.s2';
export const SIDECAR_FILE = 'jetkeeper-backup.json';
export const SIDECAR_FORMAT = 'jetkeeper.io/backup/v1';

export type ArchiveName = typeof ARCHIVE_V2 | typeof ARCHIVE_TAR;

/** The archive name the nats CLI uses for a server version: 2.15 and newer send the v2 archive. */
export function archiveNameFor(serverVersion: string): ArchiveName {
  const [maj = 0, min = 0] = serverVersion.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  return maj > 2 || (maj === 2 && min >= 15) ? ARCHIVE_V2 : ARCHIVE_TAR;
}

export interface Verification {
  at: string;
  ok: boolean;
  /** the scratch stream the backup was restored into (deleted afterwards) */
  scratch: string;
  server: string;
  checks: { name: string; ok: boolean; expected: unknown; actual: unknown }[];
}

/** jetkeeper's own record of a backup, beside the nats CLI's files. */
export interface Sidecar {
  format: typeof SIDECAR_FORMAT;
  stream: string;
  kind: 'stream' | 'kv' | 'obj';
  archive: ArchiveName;
  archiveBytes: number;
  archiveSha256: string;
  metaSha256: string;
  createdAt: string;
  serverVersion: string;
  durationMs: number;
  chunks: number;
  consumers: { name: string; delivered: number; ackFloor: number; numPending: number }[];
  /** the consumers did not move while the snapshot was taken: their floors are what the backup holds */
  consumersExact?: boolean;
  /** replay of the stream right after the snapshot, up to its last sequence; absent when the stream changed meanwhile */
  digest?: StreamDigest;
  digestNote?: string;
  verifications: Verification[];
}

/** `backup.json` as jsm.go writes it: two-space indent, `<`, `>` and `&` escaped like Go's encoder, no trailing newline. */
export function metaText(config: JsonConfig, state: JsonConfig): string {
  return JSON.stringify({ config, state }, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The sha256 of a file, read in 1 MiB blocks into one buffer (the hash takes each block before the next read). */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafeSlow(1024 * 1024);
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes via a temp file and rename, so a reader never sees half a file. */
export function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function writeSidecar(dir: string, s: Sidecar): void {
  writeAtomic(join(dir, SIDECAR_FILE), JSON.stringify(s, null, 2) + '\n');
}

export function readSidecar(dir: string): Sidecar | undefined {
  const p = join(dir, SIDECAR_FILE);
  if (!existsSync(p)) return undefined;
  try {
    const s = JSON.parse(readFileSync(p, 'utf8')) as Sidecar;
    if (s.format === SIDECAR_FORMAT) return s;
  } catch {
    /* reported below */
  }
  throw new JkError('JK7005', { message: `${p} is not a jetkeeper backup record`, fix: `remove ${SIDECAR_FILE} to treat the directory as a plain nats CLI backup (it will show as never verified)` });
}

export interface BackupFiles {
  dir: string;
  archive: ArchiveName;
  archivePath: string;
  meta: { config: JsonConfig; state: JsonConfig };
  metaText: string;
}

/** Reads a backup directory the way the nats CLI does; JK7011 when it is none, JK7005 when backup.json is empty or broken. */
export function readBackupDir(dir: string): BackupFiles {
  const metaPath = join(dir, META_FILE);
  const archives = [ARCHIVE_V2, ARCHIVE_TAR].filter((a) => existsSync(join(dir, a)));
  if (!existsSync(metaPath) || !archives.length) {
    throw new JkError('JK7011', { message: `${dir} is not a stream backup: it needs ${META_FILE} and ${ARCHIVE_V2} or ${ARCHIVE_TAR}`, fix: 'pass the directory `jetkeeper backup` or `nats backup stream` wrote (for an account backup, use `restore --account`)' });
  }
  if (archives.length > 1) throw new JkError('JK7005', { message: `${dir} holds both ${ARCHIVE_V2} and ${ARCHIVE_TAR}`, fix: 'keep the one that belongs to backup.json and remove the other' });
  const text = readFileSync(metaPath, 'utf8');
  let meta: { config?: JsonConfig; state?: JsonConfig } | undefined;
  try {
    meta = JSON.parse(text) as typeof meta;
  } catch {
    meta = undefined;
  }
  if (!meta?.config || typeof meta.config.name !== 'string' || !meta.state) {
    throw new JkError('JK7005', { message: `${metaPath} is empty or has no config.name/state: the backup did not finish`, fix: 'take the backup again; an interrupted backup is never restorable' });
  }
  return { dir, archive: archives[0] as ArchiveName, archivePath: join(dir, archives[0]!), meta: { config: meta.config, state: meta.state }, metaText: text };
}

/** Reads `n` bytes at `off` (fewer at the end). */
export type ByteReader = (off: number, n: number) => Uint8Array;

/**
 * Walks the S2/Snappy framing of an archive of `size` bytes without decompressing: the stream
 * identifier first, then whole chunks up to the last byte. Returns why it is broken, or undefined.
 */
export function checkFraming(size: number, read: ByteReader): string | undefined {
  const head = read(0, 10);
  const ident = new TextDecoder().decode(head.subarray(4, 10));
  if (size < 10 || head[0] !== 0xff || (ident !== 'S2sTwO' && ident !== 'sNaPpY')) return 'it does not start with an S2 stream identifier';
  let off = 0;
  while (off < size) {
    if (off + 4 > size) return `it ends inside a chunk header at byte ${off} (truncated)`;
    const h = read(off, 4);
    const type = h[0]!;
    const len = h[1]! | (h[2]! << 8) | (h[3]! << 16);
    if (type >= 0x02 && type <= 0x7f) return `unknown chunk type 0x${type.toString(16)} at byte ${off} (corrupt)`;
    if ((type === 0x00 || type === 0x01) && len < 5) return `empty data chunk at byte ${off} (corrupt)`;
    if (off + 4 + len > size) return `the chunk at byte ${off} needs ${len} bytes, only ${size - off - 4} left (truncated)`;
    off += 4 + len;
  }
  return undefined;
}

function checkFramingFile(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    return checkFraming(fstatSync(fd).size, (off, n) => {
      const b = Buffer.alloc(n);
      return b.subarray(0, readSync(fd, b, 0, n, off));
    });
  } finally {
    closeSync(fd);
  }
}

/** Checks the archive before anything is sent: the recorded sha256 when jetkeeper wrote the backup, the framing always. */
export async function checkArchive(files: BackupFiles, sidecar: Sidecar | undefined): Promise<void> {
  const size = statSync(files.archivePath).size;
  const bad = (why: string) => new JkError('JK7005', { message: `${files.archivePath}: ${why}`, resource: `Stream/${String(files.meta.config.name)}`, fix: 'restore an older backup, or take a new one; nothing was created' });
  if (sidecar) {
    if (sidecar.archive !== files.archive) throw bad(`the record says ${sidecar.archive}, the directory holds ${files.archive}`);
    if (size !== sidecar.archiveBytes) throw bad(`it has ${size} bytes, the backup recorded ${sidecar.archiveBytes} (truncated or changed)`);
    if ((await sha256File(files.archivePath)) !== sidecar.archiveSha256) throw bad('its sha256 differs from the one recorded at backup time (corrupt)');
    if (sha256Text(files.metaText) !== sidecar.metaSha256) throw bad(`${META_FILE} differs from the one recorded at backup time`);
    return;
  }
  const why = checkFramingFile(files.archivePath);
  if (why) throw bad(why);
}
