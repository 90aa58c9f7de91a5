/** What plan, apply and status share: load the manifests, run the reconcile core, raise what stops the run. */
import type { Command } from 'commander';
import { JkErrors } from '../errors.js';
import { logReconcileEvents, type Logger } from '../log.js';
import type { Plan } from '../plan/plan.js';
import { planToJson } from '../plan/render.js';
import { reconcile, type GroupResult, type ReconcileResult } from '../reconcile/reconcile.js';
import { loadResources, resolveSettings, type GlobalOptions } from './common.js';
import { intFlag } from './flags.js';

export interface RunFlags {
  filename: string[];
  prune?: boolean;
  pruneMax?: string;
  allowReplace?: boolean;
  concurrency?: string;
}

/** Adds -f and the options of a run that reads manifests. */
export function manifestOptions(cmd: Command): Command {
  return cmd.requiredOption('-f, --filename <path...>', 'manifest file, directory (recursive) or - for stdin');
}

/** Adds --prune and --prune-max. */
export function pruneOptions(cmd: Command, verb: string): Command {
  return cmd
    .option('--prune', `${verb} resources jetkeeper applied (same --owner) that are no longer declared`)
    .option('--prune-max <n>', 'most resources one prune may delete (default: 25% of the owned ones, at least 1, at most 10)');
}

/** Runs the core; a group that could not be read, or an all-or-nothing refusal, is raised as the command's error. */
export async function runReconcile(o: GlobalOptions, flags: RunFlags, mode: 'plan' | 'apply', log?: Logger): Promise<ReconcileResult> {
  const resources = await loadResources(flags.filename);
  const result = await reconcile({
    resources,
    connection: resolveSettings(o),
    owner: o.owner,
    mode,
    prune: !!flags.prune,
    pruneMax: flags.pruneMax === undefined ? undefined : intFlag('prune-max', flags.pruneMax, 0),
    allowReplace: !!flags.allowReplace,
    concurrency: flags.concurrency === undefined ? undefined : intFlag('concurrency', flags.concurrency, 1),
    onEvent: log ? logReconcileEvents(log) : undefined,
  });
  const broken = result.groups.find((g) => g.error);
  if (broken?.error) throw broken.error;
  if (result.refused.length) throw new JkErrors(result.refused);
  return result;
}

/** The plans of a run: a single group's JSON is the plan itself; several are listed with their connection. */
export function plansOutput(groups: readonly GroupResult[], render: (p: Plan) => string): { json: Record<string, unknown>; text: string } {
  const planned = groups.filter((g): g is GroupResult & { plan: Plan } => g.plan !== undefined);
  if (planned.length === 1) return { json: planToJson(planned[0].plan), text: render(planned[0].plan) };
  return {
    json: { groups: planned.map((g) => ({ server: g.connection, ...planToJson(g.plan) })) },
    text: planned.map((g) => `# ${g.connection}\n${render(g.plan)}`).join('\n\n'),
  };
}
