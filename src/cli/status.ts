/** `jetkeeper status -f PATH`: each declared resource Ready/NotReady with a reason. */
import type { Command } from 'commander';
import { action, emit, globalOptions, table } from './common.js';
import { manifestOptions, runReconcile, type RunFlags } from './run.js';

export function statusCommand(program: Command): void {
  manifestOptions(program
    .command('status')
    .description('report each declared resource as Ready or NotReady, with a reason and live numbers'))
    .action(action(async (opts: RunFlags, c: Command) => {
      const o = globalOptions(c);
      const statuses = (await runReconcile(o, { filename: opts.filename }, 'plan')).groups.flatMap((g) => g.statuses);
      emit(o, { resources: statuses, ready: statuses.every((s) => s.ready) }, () =>
        table(['RESOURCE', 'READY', 'REASON', 'MESSAGE'], statuses.map((s) => [s.key, s.ready ? 'True' : 'False', s.reason, s.message])));
      return statuses.every((s) => s.ready) ? 0 : 1;
    }));
}
