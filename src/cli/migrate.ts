/** `jetkeeper migrate stream NAME --subjects a,b,c [--dry-run] [--confirm]`: a stream moved to a narrower subject set, step by step. */
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { migrateStream, type MigratePlan } from '../backup/migrate.js';
import { table } from '../text.js';
import { backupAction } from './backup.js';
import { emit, globalOptions, withAdmin } from './common.js';

interface MigrateFlags { subjects?: string; to?: string; backupDir?: string; dryRun?: boolean; confirm?: boolean }

function render(p: MigratePlan, dry: boolean): string {
  const leaves = Object.entries(p.leaves);
  return [
    `${dry ? 'Plan: migrate' : 'Migration of'} ${p.stream} (${p.subjects.from.join(', ')}) to ${p.to} (${p.subjects.to.join(', ')})`,
    leaves.length ? `Leaves the stream (not in ${p.to}):\n${table(['SUBJECT', 'MESSAGES'], leaves.map(([s, n]) => [s, String(n)]))}` : 'Nothing leaves: every stored subject is kept.',
    `Kept: ${Object.values(p.keeps).reduce((a, b) => a + b, 0)} messages in ${Object.keys(p.keeps).length} subjects`,
    p.consumers.length ? table(['CONSUMER', 'FILTER', 'ACTION'], p.consumers.map((c) => [c.name, c.filter.join(',') || '(all)', c.action])) : 'No consumers.',
    table(['STEP', 'STATE', 'DETAIL'], p.steps.map((s) => [s.step, s.done ? 'done' : 'pending', s.detail ?? ''])),
    `State: ${p.stateFile}`,
  ].join('\n');
}

export function migrateCommand(program: Command): void {
  const cmd = program.command('migrate').description('safe, resumable migrations of streams');
  cmd
    .command('stream')
    .description('move a stream to a narrower subject set: verified backup, new stream sourcing the kept subjects, consumers recreated at the matching sequence, cutover; the old stream stays until --confirm')
    .argument('<name>', 'stream to migrate')
    .option('--subjects <list>', 'comma-separated subjects the new stream keeps')
    .option('--to <name>', 'name of the new stream (default <name>_V2)')
    .option('--backup-dir <dir>', 'where the verified backup and the state file go (default ./jetkeeper-migrate)')
    .option('--dry-run', 'show the plan (what leaves the stream, consumers, steps) and change nothing')
    .option('--confirm', 'after cutover: delete the old stream (its verified backup stays)')
    .action(backupAction(async (name: string, f: MigrateFlags, c: Command) => {
      const o = globalOptions(c);
      const subjects = (f.subjects ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (!subjects.length) throw new JkError('JK7012', { message: 'no subjects given', fix: 'pass --subjects a,b,c: the subjects the stream keeps' });
      const p = await withAdmin(o, (admin) => migrateStream(admin, {
        stream: name, subjects, to: f.to, backupDir: f.backupDir ?? 'jetkeeper-migrate', dryRun: f.dryRun, confirm: f.confirm,
        onStep: (step, detail) => o.output === 'text' && process.stderr.write(`· ${step}: ${detail}\n`),
      }));
      emit(o, p, () => render(p, !!f.dryRun));
    }));
}
