/** `jetkeeper apply -f PATH`: make the server match the manifests. */
import type { Command } from 'commander';
import { applyPlan, checkAllowed } from '../apply/apply.js';
import { plan, hasChanges } from '../plan/plan.js';
import { planToJson, renderPlanText } from '../plan/render.js';
import { action, emit, globalOptions, loadResources, withAdmin } from './common.js';

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
      return withAdmin(o, async (admin) => {
        const p = plan(resources, await admin.readLive(), { owner: o.owner, prune: !!opts.prune });
        checkAllowed(p, { allowReplace: !!opts.allowReplace });
        if (o.output === 'text') process.stdout.write(renderPlanText(p, { allowReplace: opts.allowReplace }) + '\n');
        if (!hasChanges(p)) {
          if (o.output !== 'text') emit(o, { ...planToJson(p), applied: [], writes: 0 }, () => '');
          return 0;
        }
        const r = await applyPlan(p, admin, { allowReplace: !!opts.allowReplace, concurrency: Number(opts.concurrency) || 16 });
        const applied = r.items.map((i) => ({ key: i.key, action: i.action, ok: i.ok, error: i.error?.toJSON() }));
        emit(o, { ...planToJson(p), applied, writes: r.writes }, () => [
          ...r.items.filter((i) => !i.ok).map((i) => `error: ${i.error?.format()}`),
          `Applied: ${r.items.filter((i) => i.ok).length} ok, ${r.items.filter((i) => !i.ok).length} failed, ${r.writes} write request(s).`,
        ].join('\n'));
        return r.ok ? 0 : 1;
      });
    }));
}
