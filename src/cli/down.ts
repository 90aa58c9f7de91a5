/** `jetkeeper down`: stop exactly the servers `jetkeeper up` started; keep or remove their data. */
import type { Command } from 'commander';
import { readClusterState, stopCluster } from '../local/cluster.js';
import { action, emit, forgetCluster, globalOptions, localClusterDir } from './common.js';
import { NATS_CONTEXT, unregisterClusterContext } from './nats-context.js';

export function downCommand(program: Command): void {
  program
    .command('down')
    .description('stop the local cluster started by `jetkeeper up` (by PID); data is kept unless --purge')
    .option('--purge', 'also delete the JetStream data, configs and logs')
    .option('--dir <dir>', 'state directory of the cluster (default <home>/local)')
    .action(action(async (opts: { purge?: boolean; dir?: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      const dir = opts.dir ?? localClusterDir(o);
      const state = readClusterState(dir);
      await stopCluster(dir, { purge: !!opts.purge });
      forgetCluster(o, dir);
      // the nats CLI context goes only when it points at this cluster
      const natsContext = (await unregisterClusterContext(state.servers.map((s) => s.clientUrl))) ? { name: NATS_CONTEXT, removed: true } : null;
      emit(o, { stopped: state.servers.map((s) => ({ name: s.name, pid: s.pid })), purged: !!opts.purge, dir, natsContext }, () =>
        `Stopped ${state.servers.length} server(s) (${state.servers.map((s) => `${s.name} pid ${s.pid}`).join(', ')}); data ${opts.purge ? 'removed' : `kept in ${dir}`}` +
        `${natsContext ? `; nats CLI context ${NATS_CONTEXT} removed` : ''}.`);
    }));
}
