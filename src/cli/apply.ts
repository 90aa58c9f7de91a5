/** `jetkeeper apply -f PATH`: make the server match the manifests. */
import type { Command } from 'commander';
import { renderPlanText } from '../plan/render.js';
import { action, emit, globalOptions } from './common.js';
import { withFlagNames } from './flags.js';
import { loggerOf } from './log.js';
import { manifestOptions, plansOutput, pruneOptions, runReconcile, type RunFlags } from './run.js';

export function applyCommand(program: Command): void {
  const cmd = program
    .command('apply')
    .description('create and update streams, consumers, KV and object stores so the server matches the manifests');
  pruneOptions(manifestOptions(cmd), 'delete')
    .option('--allow-replace', 'allow delete + create for changes to immutable fields (loses data)')
    .option('--concurrency <n>', 'requests in flight', '16')
    .action(action(async (opts: RunFlags, c: Command) => {
      const o = globalOptions(c);
      // every refusal is raised before the first write, on any connection
      const result = await runReconcile(o, opts, 'apply', loggerOf(c));
      const shown = plansOutput(result.groups, (p) => renderPlanText(p, { allowReplace: !!opts.allowReplace }));
      if (o.output === 'text') process.stdout.write(withFlagNames(shown.text) + '\n');
      const outcomes = result.groups.flatMap((g) => g.outcomes);
      const tried = outcomes.filter((x) => x.result === 'applied' || x.result === 'failed' || x.result === 'waiting');
      const applied = tried.map((x) => ({ key: x.key, action: x.action, ok: x.result === 'applied', ...(x.result === 'failed' ? { error: x.error.toJSON() } : {}) }));
      const failed = tried.filter((x) => x.result !== 'applied');
      const outcomeJson = outcomes.map((x) => (x.result === 'failed' ? { ...x, error: x.error.toJSON() } : x));
      emit(o, { ...shown.json, applied, outcomes: outcomeJson, writes: result.writes }, () => [
        ...failed.map((x) => (x.result === 'failed' ? `error: ${x.error.format()}` : x.result === 'waiting' ? `waiting: ${x.key}: ${x.message}` : '')),
        tried.length ? `Applied: ${tried.length - failed.length} ok, ${failed.length} failed, ${result.writes} write request(s).` : 'Nothing to apply.',
      ].join('\n'));
      return result.ok ? 0 : 1;
    }));
}
