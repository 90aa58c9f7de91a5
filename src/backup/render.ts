/** Text forms of the backup commands' results (the JSON forms are the result objects themselves). */
import { table } from '../text.js';
import type { AccountBackupResult } from './account.js';
import type { BackupSummary } from './backup.js';
import type { BackupDescription } from './describe.js';
import type { RestoreSummary } from './restore.js';
import type { VerifyResult } from './verify.js';

export function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

export function renderBackup(r: BackupSummary): string {
  return [
    `Backed up ${r.kind === 'stream' ? 'stream' : r.kind === 'kv' ? 'KV bucket stream' : 'object store stream'} ${r.stream} into ${r.dir}`,
    `  ${r.messages} messages (sequences ${r.firstSeq}..${r.lastSeq}), ${r.consumers} consumers, ${size(r.bytes)} in ${r.chunks} chunks, ${(r.durationMs / 1000).toFixed(2)} s (${r.mbPerSec} MB/s)`,
    `  ${r.archive} sha256 ${r.archiveSha256}${r.digest ? '' : ' (no content digest)'}`,
    `  never verified: run \`jetkeeper backup verify ${r.dir}\` to prove it restores`,
  ].join('\n');
}

export function renderAccountBackup(r: AccountBackupResult): string {
  const rows = r.streams.map((s) => [s.stream, String(s.messages), size(s.bytes), s.archive]);
  const lines = [`Backed up ${r.streams.length} streams into ${r.dir} (${size(r.bytes)}, ${(r.durationMs / 1000).toFixed(2)} s)`];
  if (rows.length) lines.push(table(['STREAM', 'MESSAGES', 'SIZE', 'ARCHIVE'], rows));
  for (const s of r.skipped) lines.push(`skipped ${s.stream}: ${s.reason}`);
  return lines.join('\n');
}

export function renderRestore(r: RestoreSummary): string {
  const cons = r.consumers.map((c) => `${c.name} (delivered ${c.delivered}, ack floor ${c.ackFloor})`).join(', ');
  return [
    `Restored ${r.stream}${r.stream !== r.from ? ` (backed up as ${r.from})` : ''} from ${r.dir}${r.replaced ? ', replacing the stream that was there' : ''}`,
    `  ${r.messages} messages (sequences ${r.firstSeq}..${r.lastSeq}), ${size(r.bytes)} in ${(r.durationMs / 1000).toFixed(2)} s (${r.mbPerSec} MB/s)`,
    `  consumers: ${cons || 'none'}`,
  ].join('\n');
}

export function renderVerify(r: VerifyResult): string {
  const rows = r.checks.map((c) => [c.ok ? 'ok' : 'FAIL', c.name, short(c.expected), short(c.actual)]);
  return [`${r.ok ? 'Verified' : 'Verification FAILED for'} ${r.dir} (stream ${r.stream}, restored as ${r.scratch}, deleted again)`, table(['', 'CHECK', 'BACKUP', 'RESTORED'], rows)].join('\n');
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function renderBackupList(list: BackupDescription[], detailed: boolean): string {
  if (detailed && list.length === 1) {
    const b = list[0]!;
    return [
      `Backup of ${b.stream} in ${b.dir}`,
      `  archive ${b.archive}, ${size(b.bytes)}${b.archiveSha256 ? `, sha256 ${b.archiveSha256}` : ', no checksum recorded (not written by jetkeeper)'}`,
      `  ${b.messages} messages (sequences ${b.firstSeq}..${b.lastSeq}), ${b.consumers} consumers${b.createdAt ? `, taken ${b.createdAt}` : ''}`,
      `  ${verifiedText(b)}`,
    ].join('\n');
  }
  return table(['STREAM', 'MESSAGES', 'SIZE', 'TAKEN', 'VERIFIED', 'DIR'], list.map((b) => [b.stream || '?', String(b.messages), size(b.bytes), b.createdAt ?? '-', b.problem ?? verifiedText(b), b.dir]));
}

function verifiedText(b: BackupDescription): string {
  if (b.verified === 'never') return 'never verified';
  return `${b.verified === 'ok' ? 'verified' : 'verification FAILED'} ${b.lastVerification}`;
}
