/** `jetkeeper apply -f PATH`: make the server match the manifests. */
import type { Command } from 'commander';
import { applyPlan, checkAllowed } from '../apply/apply.js';
import { plan, hasChanges } from '../plan/plan.js';
import { renderPlanText } from '../plan/render.js';
import { logApplyEvents } from '../log.js';
import { action, emit, globalOptions, loadResources, withConnectionGroups } from './common.js';
import { loggerOf } from './log.js';
import { plansOutput } from './plan.js';

export function applyCommand(program: Command): void {
  program
    .command('apply')
    .description('create and update streams, consumers, KV and object stores so the server matches the manifests')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory (recursive) or - for stdin')
    .option('--prune', 'delete resources jetkeeper applied (same --owner) that are no longer declared')
    .option('--allow-replace', 'allow delete + create for changes to immutable fields (loses data)')
    .option('--concurrency <n>', 'requests in flight', '16')
    .action(action(async (opts: { filename: string[]; prune?: boolean; allowReplace?: boolean; concurrency: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      const resources = await loadResources(opts.filename);
      const allowReplace = !!opts.allowReplace;
      return withConnectionGroups(o, resources, async (groups) => {
        const runs = await Promise.all(groups.map(async (group) => ({
          group,
          plan: plan(group.resources, await group.admin.readLive({ concurrency: Number(opts.concurrency) || 16 }), { owner: o.owner, prune: !!opts.prune, declared: resources }),
        })));
        // every refusal is raised before the first write, on any connection
        for (const r of runs) checkAllowed(r.plan, { allowReplace });
        const shown = plansOutput(runs, (p) => renderPlanText(p, { allowReplace }));
        if (o.output === 'text') process.stdout.write(shown.text + '\n');
        const results = [];
        for (const r of runs) {
          if (hasChanges(r.plan)) results.push(await applyPlan(r.plan, r.group.admin, { allowReplace, concurrency: Number(opts.concurrency) || 16, onProgress: logApplyEvents(loggerOf(cmd)) }));
        }
        const items = results.flatMap((r) => r.items);
        const writes = results.reduce((n, r) => n + r.writes, 0);
        const applied = items.map((i) => ({ key: i.key, action: i.action, ok: i.ok, error: i.error?.toJSON() }));
        emit(o, { ...(shown.json as object), applied, writes }, () => [
          ...items.filter((i) => !i.ok).map((i) => `error: ${i.error?.format()}`),
          items.length ? `Applied: ${items.filter((i) => i.ok).length} ok, ${items.filter((i) => !i.ok).length} failed, ${writes} write request(s).` : 'Nothing to apply.',
        ].join('\n'));
        return items.every((i) => i.ok) ? 0 : 1;
      });
    }));
}
