/**
 * The backup benchmark. On a fresh local 3-node cluster, one file stream filled with --mib MiB of
 * 4 KiB messages is backed up and restored by:
 *
 *   a. jetkeeper (backupStream without the digest replay, restoreBackup)
 *   b. the pinned nats CLI (`nats stream backup`, `nats stream restore`)
 *
 * in the same run, each --rounds times (the order alternates), and the MB/s of the archive bytes
 * of the stream's bytes compared (target jetkeeper >= 0.9x). Every restore is checked against the original stream: the
 * same sequences, subjects, headers and payloads (a sha256 over all of them).
 * Run alone: `node dist/bench/backup.js --mib 64`; `--mib 1024` for the 1 GiB case.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { backupStream, restoreBackup } from '../src/backup/index.js';
import { JetStreamAdmin } from '../src/nats/admin.js';
import { digestStream } from '../src/nats/snapshot.js';
import { clusterSettings, type LocalCluster } from '../src/local/cluster.js';
import { benchCacheDir, fmtRatio, intOption, log, median, now, round, runWhenMain, table, withCluster, type Benchmark, type BenchResult, type ParsedOptions } from './lib.js';

const STREAM = 'BACKUP_BENCH';

async function fill(admin: JetStreamAdmin, mib: number): Promise<void> {
  const js = jetstream(admin.nc, { timeout: 60_000 });
  // random bytes: a compressible payload would measure the compressor, not the transfer
  const pool = randomBytes(1_048_576 + 4096);
  const count = Math.ceil((mib * 1_048_576) / 4096);
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const off = (i * 4099) % 1_048_576;
    inflight.push(js.publish(`bench.${i % 16}`, pool.subarray(off, off + 4096)));
    if (inflight.length >= 256) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
}

function nats(cluster: LocalCluster, ...args: string[]): void {
  const r = spawnSync(join(benchCacheDir(), 'bin', 'nats'), ['-s', cluster.urls.join(','), ...args], { encoding: 'utf8', timeout: 3_600_000 });
  if (r.status !== 0) throw new Error(`nats ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
}

interface Round { tool: string; backupMBps: number; restoreMBps: number; identical: boolean; bytes: number }

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

const mbps = (bytes: number, ms: number) => bytes / 1_048_576 / (ms / 1000);

interface Original { digest: string; lastSeq: number; bytes: number }

async function roundFor(tool: 'jetkeeper' | 'nats', cluster: LocalCluster, admin: JetStreamAdmin, orig: Original): Promise<Round> {
  const { digest: want, lastSeq, bytes: streamBytes } = orig;
  const dir = join(mkdtempSync(join(tmpdir(), 'jetkeeper-bench-backup-')), 'b');
  try {
    const backupMs = await timed(() => (tool === 'jetkeeper' ? backupStream(admin, STREAM, dir, { digest: false }).then(() => {}) : nats(cluster, 'stream', 'backup', STREAM, dir, '--no-progress')));
    const bytes = statSync(join(dir, 'stream.arc.s2'), { throwIfNoEntry: false })?.size ?? statSync(join(dir, 'stream.tar.s2')).size;
    await admin.deleteStream(STREAM);
    const restoreMs = await timed(() => (tool === 'jetkeeper' ? restoreBackup(admin, dir).then(() => {}) : nats(cluster, 'stream', 'restore', dir, '--no-progress')));
    const identical = (await digestStream(admin, STREAM, lastSeq)).sha256 === want;
    return { tool, backupMBps: mbps(streamBytes, backupMs), restoreMBps: mbps(streamBytes, restoreMs), identical, bytes };
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
}

async function run(opts: ParsedOptions): Promise<BenchResult> {
  const mib = intOption(opts, 'mib', 1);
  const rounds = intOption(opts, 'rounds', 1);
  return withCluster(3, 60 + mib / 4, async (cluster) => {
    const admin = await JetStreamAdmin.connect(clusterSettings(cluster, 60_000));
    try {
      await admin.createStream({ name: STREAM, subjects: ['bench.>'], storage: 'file', num_replicas: 1 });
      log(`filling ${STREAM} with ${mib} MiB`);
      await fill(admin, mib);
      const st = (await admin.streamInfo(STREAM))!.state;
      const orig: Original = { lastSeq: st.last_seq, bytes: st.bytes, digest: (await digestStream(admin, STREAM, st.last_seq)).sha256 };
      const results: Round[] = [];
      for (let i = 0; i < rounds; i++) {
        const order: ('jetkeeper' | 'nats')[] = i % 2 ? ['nats', 'jetkeeper'] : ['jetkeeper', 'nats'];
        for (const tool of order) {
          log(`round ${i + 1}: ${tool}`);
          results.push(await roundFor(tool, cluster, admin, orig));
        }
      }
      return report(results, mib);
    } finally {
      await admin.close();
    }
  });
}

function report(results: Round[], mib: number): BenchResult {
  const med = (tool: string, k: 'backupMBps' | 'restoreMBps') => median(results.filter((r) => r.tool === tool).map((r) => r[k]));
  const backup = med('jetkeeper', 'backupMBps') / med('nats', 'backupMBps');
  const restore = med('jetkeeper', 'restoreMBps') / med('nats', 'restoreMBps');
  const identical = results.every((r) => r.identical);
  const ratios = [
    { name: 'backup MB/s jetkeeper / nats CLI', value: round(backup), target: '>= 0.90', ok: backup >= 0.9, higherIsBetter: true },
    { name: 'restore MB/s jetkeeper / nats CLI', value: round(restore), target: '>= 0.90', ok: restore >= 0.9, higherIsBetter: true },
    { name: 'restores identical to the original', value: identical ? 1 : 0, target: '= 1', ok: identical, higherIsBetter: true },
  ];
  const text = [
    `backup benchmark: ${mib} MiB stream, 3-node cluster`,
    table([['TOOL', 'ARCHIVE', 'BACKUP MB/s', 'RESTORE MB/s', 'IDENTICAL'], ...results.map((r) => [r.tool, `${(r.bytes / 1_048_576).toFixed(1)} MiB`, r.backupMBps.toFixed(1), r.restoreMBps.toFixed(1), String(r.identical)])]),
    ...ratios.map((r) => `${r.name}: ${r.name.startsWith('restores') ? String(r.ok) : fmtRatio(r.value)} (target ${r.target}) ${r.ok ? 'ok' : 'MISSED'}`),
  ].join('\n');
  return { benchmark: 'backup', ok: ratios.every((r) => r.ok), ratios, text, data: { mib, results } };
}

export const backupBenchmark: Benchmark = {
  name: 'backup',
  description: 'backup and restore MB/s of jetkeeper vs the nats CLI on the same cluster, restores checked byte for byte',
  options: {
    mib: { type: 'string', default: '32', description: 'stream size in MiB (1024 for the 1 GiB case)' },
    rounds: { type: 'string', default: '1', description: 'rounds per tool (the order alternates)' },
  },
  run,
};

runWhenMain(backupBenchmark, import.meta.url);
