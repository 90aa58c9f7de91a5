/**
 * What a BackupPolicy's destination already holds: per stream, the newest backup jetkeeper wrote
 * there (`<destination>/<stream>/<time>/` with its sidecar) and the newest verification that
 * passed. The controller starts from this, so a restart keeps the last success and the last
 * verified time (and their metrics) and notices a missed run.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSidecar, SIDECAR_FILE } from './format.js';
import { namedStreams, type BackupPolicy } from './policy.js';

export interface DiskRecord {
  stream: string;
  /** the newest backup's directory */
  dir: string;
  createdAt?: string;
  /** the newest passed verification among the stream's backups */
  verifiedAt?: string;
  bytes?: number;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

function recordOf(root: string, stream: string): DiskRecord | undefined {
  const dirs = subdirs(join(root, stream)).filter((n) => existsSync(join(root, stream, n, SIDECAR_FILE)));
  if (!dirs.length) return undefined;
  let verifiedAt: string | undefined;
  let newest: DiskRecord | undefined;
  for (const name of dirs) {
    const dir = join(root, stream, name);
    const side = safeSidecar(dir);
    if (!side) continue;
    for (const v of side.verifications) if (v.ok && (!verifiedAt || v.at > verifiedAt)) verifiedAt = v.at;
    newest = { stream, dir, createdAt: side.createdAt || undefined, bytes: side.archiveBytes };
  }
  return newest ? { ...newest, verifiedAt } : undefined;
}

function safeSidecar(dir: string) {
  try {
    return readSidecar(dir);
  } catch {
    return undefined; // a damaged record is not a success
  }
}

/** The streams with backups under the policy's destination (only the policy's own streams unless it takes `all`). */
export function backupsOnDisk(policy: BackupPolicy): DiskRecord[] {
  const root = policy.spec.destination;
  const named = new Set(namedStreams(policy));
  const streams = subdirs(root).filter((s) => policy.spec.all || named.has(s));
  return streams.map((s) => recordOf(root, s)).filter((r): r is DiskRecord => !!r);
}
