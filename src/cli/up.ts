/** `jetkeeper up`: a real local NATS JetStream cluster on 127.0.0.1, for demos, tests and drills. */
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { findNatsServer } from '../local/binary.js';
import { contextFile, startCluster } from '../local/cluster.js';
import { action, cacheDir, emit, globalOptions, localClusterDir, table } from './common.js';

export function upCommand(program: Command): void {
  program
    .command('up')
    .description('start a local JetStream cluster (1, 3 or 5 nats-servers with routes, file storage, monitor ports)')
    .option('--servers <n>', 'number of servers: 1, 3 or 5', '3')
    .option('--detach', 'return once every server sees a JetStream meta leader; servers keep running (stop with `jetkeeper down`)')
    .option('--port-base <port>', 'client ports port..port+N-1 (default: free ports)')
    .option('--dir <dir>', 'state directory of the cluster (default <home>/local)')
    .option('--nats-server <path>', 'nats-server binary (default $JETKEEPER_NATS_SERVER, the cache, PATH)')
    .action(action(async (opts: { servers: string; detach?: boolean; portBase?: string; dir?: string; natsServer?: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      const bin = findNatsServer({ explicit: opts.natsServer, envPath: process.env.JETKEEPER_NATS_SERVER, cacheDir: cacheDir(), pathEnv: process.env.PATH });
      const dir = opts.dir ?? localClusterDir(o);
      const cluster = await startCluster({
        servers: Number(opts.servers), dir, bin, detached: !!opts.detach,
        clientPortBase: opts.portBase ? Number(opts.portBase) : undefined,
      });
      const servers = cluster.servers.map((s) => ({ name: s.name, pid: s.pid, client: s.clientUrl, monitor: s.monitorUrl }));
      emit(o, { dir: cluster.dir, version: cluster.version, context: contextFile(dir), servers }, () => [
        `nats-server ${cluster.version}: ${servers.length} server(s) ready, JetStream meta leader elected (${cluster.dir.replace(homedir(), '~')})`,
        table(['NAME', 'PID', 'CLIENT', 'MONITOR'], servers.map((s) => [s.name, String(s.pid), s.client, s.monitor])),
        `jetkeeper commands now connect here by default. nats CLI: export NATS_URL=${servers.map((s) => s.client).join(',')}`,
        opts.detach ? 'Stop with: jetkeeper down' : 'Press Ctrl-C to stop.',
      ].join('\n'));
      if (opts.detach) return 0;
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await cluster.stop();
      return 0;
    }));
}
