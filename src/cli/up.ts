/**
 * `jetkeeper up`: a real local NATS JetStream cluster on 127.0.0.1, for demos, tests and drills; with
 * --netns each server runs in a network namespace of its own (so drills can cut its network).
 */
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { findNatsServer } from '../local/binary.js';
import { contextFile, startCluster } from '../local/cluster.js';
import { action, cacheDir, emit, globalOptions, localClusterDir, rememberCluster, table } from './common.js';
import { NATS_CONTEXT, registerClusterContext, unregisterClusterContext } from './nats-context.js';

export function upCommand(program: Command): void {
  program
    .command('up')
    .description('start a local JetStream cluster (1, 3 or 5 nats-servers with routes, file storage, monitor ports)')
    .option('--servers <n>', 'number of servers: 1, 3 or 5', '3')
    .option('--detach', 'return once every server sees a JetStream meta leader; servers keep running (stop with `jetkeeper down`)')
    .option('--port-base <port>', 'client ports port..port+N-1 (default: free ports)')
    .option('--dir <dir>', 'state directory of the cluster (default <home>/local)')
    .option('--nats-server <path>', 'nats-server binary (default $JETKEEPER_NATS_SERVER, the cache, PATH)')
    .option('--select-context', `also select the nats CLI context \`${NATS_CONTEXT}\` (always written) so plain \`nats\` uses this cluster`)
    .option(
      '--netns',
      'each server in a network namespace of its own on a private test network (10.213.x.0/24, one veth from this host), ' +
        'so `drill kill-server --partition` cuts its network instead of SIGSTOP; Linux, root and iproute2 only. `down` removes the network',
    )
    .action(action(async (opts: { servers: string; detach?: boolean; portBase?: string; dir?: string; natsServer?: string; netns?: boolean; selectContext?: boolean }, cmd: Command) => {
      const o = globalOptions(cmd);
      const bin = findNatsServer({ explicit: opts.natsServer, envPath: process.env.JETKEEPER_NATS_SERVER, cacheDir: cacheDir(), pathEnv: process.env.PATH });
      const dir = opts.dir ?? localClusterDir(o);
      // Ctrl-C while starting: stop what was started (and remove a netns network) instead of dying
      const ac = new AbortController();
      let stopRequested: () => void = () => ac.abort();
      const onSignal = () => stopRequested();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const cluster = await startCluster({
          servers: Number(opts.servers), dir, bin, detached: !!opts.detach,
          clientPortBase: opts.portBase ? Number(opts.portBase) : undefined,
          netns: !!opts.netns,
          signal: ac.signal,
        });
        rememberCluster(o, dir);
        const natsContext = (await registerClusterContext(cluster.urls, !!opts.selectContext)) ?? null;
        const net = cluster.netns;
        const servers = cluster.servers.map((s) => ({ name: s.name, pid: s.pid, client: s.clientUrl, monitor: s.monitorUrl, ...(s.netns ? { netns: s.netns.ns } : {}) }));
        emit(o, { dir: cluster.dir, version: cluster.version, context: contextFile(dir), natsContext, servers, ...(net ? { netns: { prefix: net.prefix, subnet: net.subnet, host: `${net.hostIf} ${net.hostAddress}` } } : {}) }, () => [
          `nats-server ${cluster.version}: ${servers.length} server(s) ready, JetStream meta leader elected (${cluster.dir.replace(homedir(), '~')})`,
          net
            ? table(['NAME', 'PID', 'CLIENT', 'MONITOR', 'NETNS'], servers.map((s) => [s.name, String(s.pid), s.client, s.monitor, s.netns ?? '']))
            : table(['NAME', 'PID', 'CLIENT', 'MONITOR'], servers.map((s) => [s.name, String(s.pid), s.client, s.monitor])),
          ...(net ? [`network namespaces ${net.prefix}*: subnet ${net.subnet}, reached from this host through ${net.hostIf} (${net.hostAddress}); removed by \`jetkeeper down\``] : []),
          `jetkeeper commands now connect here by default. nats CLI: export NATS_URL=${servers.map((s) => s.client).join(',')}`,
          natsContext
            ? `nats CLI context ${NATS_CONTEXT}${natsContext.selected ? ' (selected)' : ''}: nats --context ${NATS_CONTEXT} stream ls`
            : `a nats CLI context named ${NATS_CONTEXT} that jetkeeper did not write exists: left as it is`,
          opts.detach ? 'Stop with: jetkeeper down' : 'Press Ctrl-C to stop.',
        ].join('\n'));
        if (opts.detach) return 0;
        // a signal listener alone does not keep node running (the servers are unref'd): a timer does
        const keepAlive = setInterval(() => {}, 1 << 30);
        await new Promise<void>((resolve) => {
          stopRequested = resolve;
          if (ac.signal.aborted) resolve();
        });
        clearInterval(keepAlive);
        await cluster.stop();
        await unregisterClusterContext(cluster.urls);
        return 0;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    }));
}
