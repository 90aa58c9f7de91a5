/** `jetkeeper plan -f PATH`: what apply would do, field by field, with data loss named. */
import type { Command } from 'commander';
import { plan, hasChanges, type Plan } from '../plan/plan.js';
import { planToJson, renderPlanText } from '../plan/render.js';
import { describeSettings } from '../nats/settings.js';
import { action, emit, globalOptions, loadResources, withConnectionGroups, type ConnectedGroup } from './common.js';

/** Plans every connection group; the JSON shape of a single group is the plan itself. */
export function plansOutput(runs: { group: ConnectedGroup; plan: Plan }[], render: (p: Plan) => string): { json: unknown; text: string } {
  if (runs.length === 1) return { json: planToJson(runs[0].plan), text: render(runs[0].plan) };
  return {
    json: { groups: runs.map((r) => ({ server: describeSettings(r.group.settings), ...planToJson(r.plan) })) },
    text: runs.map((r) => `# ${describeSettings(r.group.settings)}\n${render(r.plan)}`).join('\n\n'),
  };
}

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
      const runs = await withConnectionGroups(o, resources, (groups) => Promise.all(groups.map(async (group) => ({
        group,
        plan: plan(group.resources, await group.admin.readLive(), { owner: o.owner, prune: !!opts.prune, declared: resources }),
      }))));
      const out = plansOutput(runs, (p) => renderPlanText(p, { verbose: opts.verbose }));
      emit(o, out.json, () => out.text);
      return opts.detailedExitcode && runs.some((r) => hasChanges(r.plan)) ? 2 : 0;
    }));
}
