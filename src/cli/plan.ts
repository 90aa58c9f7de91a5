/** `jetkeeper plan -f PATH`: what apply would do, field by field, with data loss named. */
import type { Command } from 'commander';
import { plan, hasChanges } from '../plan/plan.js';
import { planToJson, renderPlanText } from '../plan/render.js';
import { action, emit, globalOptions, loadResources, withAdmin } from './common.js';

export function planCommand(program: Command): void {
  program
    .command('plan')
    .description('show the changes apply would make: create, update, replace (data loss), delete (with --prune), unsupported')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory (recursive) or - for stdin')
    .option('--prune', 'also plan deletes of resources jetkeeper applied (same --owner) that are no longer declared')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('-v, --verbose', 'also list unchanged resources')
    .action(action(async (opts: { filename: string[]; prune?: boolean; detailedExitcode?: boolean; verbose?: boolean }, cmd: Command) => {
      const o = globalOptions(cmd);
      const resources = await loadResources(opts.filename);
      const p = await withAdmin(o, async (admin) => plan(resources, await admin.readLive(), { owner: o.owner, prune: !!opts.prune }));
      emit(o, planToJson(p), () => renderPlanText(p, { verbose: opts.verbose }));
      return opts.detailedExitcode && hasChanges(p) ? 2 : 0;
    }));
}
