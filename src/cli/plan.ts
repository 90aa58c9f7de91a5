/** `jetkeeper plan -f PATH`: what apply would do, field by field, with data loss named. */
import type { Command } from 'commander';
import { hasChanges } from '../plan/plan.js';
import { renderPlanText } from '../plan/render.js';
import { action, emit, globalOptions } from './common.js';
import { loggerOf } from './log.js';
import { manifestOptions, plansOutput, pruneOptions, runReconcile, type RunFlags } from './run.js';

export function planCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description('show the changes apply would make: create, update, replace (data loss), delete (with --prune), unsupported');
  pruneOptions(manifestOptions(cmd), 'also plan deletes of')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('-v, --verbose', 'also list unchanged resources')
    .action(action(async (opts: RunFlags & { detailedExitcode?: boolean; verbose?: boolean }, c: Command) => {
      const o = globalOptions(c);
      const result = await runReconcile(o, opts, 'plan', loggerOf(c));
      const out = plansOutput(result.groups, (p) => renderPlanText(p, { verbose: opts.verbose }));
      emit(o, out.json, () => out.text);
      // apply refuses these before its first write (the server would refuse the create)
      for (const e of result.groups.flatMap((g) => g.conflicts)) process.stderr.write(`warning: ${e.format()}\n`);
      return opts.detailedExitcode && result.groups.some((g) => g.plan && hasChanges(g.plan)) ? 2 : 0;
    }));
}
