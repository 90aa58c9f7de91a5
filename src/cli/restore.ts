/** `jetkeeper restore DIR [--as NEW] [--force]` and `restore --account DIR`. */
import type { Command } from 'commander';
import { restoreAccount, restoreBackup } from '../backup/index.js';
import { renderRestore } from '../backup/render.js';
import { backupAction } from './backup.js';
import { emit, globalOptions, progressLine, withAdmin } from './common.js';
import { intFlag } from './flags.js';

interface RestoreFlags { subjects?: string; as?: string; force?: boolean; account?: boolean; replicas?: string }

export function restoreCommand(program: Command): void {
  program
    .command('restore')
    .description('restore a backup made by `jetkeeper backup` or the nats CLI; the archive is checked first, an existing stream is never overwritten unless --force')
    .argument('<dir>', 'backup directory (with --account: the directory holding one backup per stream)')
    .option('--as <name>', 'restore under another stream name (backups from nats-server 2.15+, stream.arc.s2)')
    .option('--subjects <list>', 'comma-separated subjects for the restored stream (with --as, when the original still holds its subjects)')
    .option('--force', 'delete an existing stream of the same name first, then restore')
    .option('--account', 'DIR holds one subdirectory per stream (as `jetkeeper backup --all` and `nats account backup` write)')
    .option('--replicas <n>', 'number of replicas of the restored stream (default: as backed up)')
    .action(backupAction(async (dir: string, f: RestoreFlags, c: Command) => {
      const o = globalOptions(c);
      const replicas = f.replicas ? intFlag('replicas', f.replicas, 1) : undefined;
      let bytes = 0;
      const progress = progressLine(() => `restoring ${dir}: ${(bytes / 1_048_576).toFixed(1)} MiB sent`);
      try {
        const onProgress = (b: number) => (bytes = b);
        if (f.account) {
          const r = await withAdmin(o, (admin) => restoreAccount(admin, dir, { force: f.force, replicas, onProgress }));
          progress.stop();
          emit(o, r, () => r.streams.map(renderRestore).join('\n'));
          return;
        }
        const r = await withAdmin(o, (admin) => restoreBackup(admin, dir, { as: f.as, force: f.force, replicas, onProgress, subjects: f.subjects?.split(',').map((x) => x.trim()).filter(Boolean) }));
        progress.stop();
        emit(o, r, () => renderRestore(r));
      } finally {
        progress.stop();
      }
    }));
}
