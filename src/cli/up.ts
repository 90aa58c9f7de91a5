/**
 * `jetkeeper up`: a real local NATS JetStream cluster on 127.0.0.1, for demos, tests and drills; with
 * --netns each server runs in a network namespace of its own (so drills can cut its network).
 */
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { findNatsServer } from '../local/binary.js';
import { startCluster } from '../local/cluster.js';
import { formatUpReport, upReport } from '../local/up-report.js';
import { action, cacheDir, emit, globalOptions, localClusterDir, rememberCluster, untilAborted, untilInterrupted } from './common.js';
import { describeClusterContext, NATS_CONTEXT, registerClusterContext, unregisterClusterContext } from './nats-context.js';

interface UpFlags { servers: string; detach?: boolean; portBase?: string; dir?: string; natsServer?: string; netns?: boolean; selectContext?: boolean; secure?: boolean }

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
    .option('--secure', 'operator mode (full resolver, system account), TLS on client and route ports with a local CA (needs openssl), creds per role in <dir>/keys/creds; connect with --context <dir>/context.json')
    .action(action(async (opts: UpFlags, cmd: Command) => {
      const o = globalOptions(cmd);
      const bin = findNatsServer({ explicit: opts.natsServer, envPath: process.env.JETKEEPER_NATS_SERVER, cacheDir: cacheDir(), pathEnv: process.env.PATH });
      const dir = opts.dir ?? localClusterDir(o);
      // Ctrl-C while starting stops what was started (and removes a netns network); once started, it stops the cluster
      return untilInterrupted(['SIGINT', 'SIGTERM'], async (signal) => {
        const cluster = await startCluster({
          servers: Number(opts.servers), dir, bin, detached: !!opts.detach, clientPortBase: opts.portBase ? Number(opts.portBase) : undefined, netns: !!opts.netns, secure: !!opts.secure, signal,
        });
        rememberCluster(o, dir);
        // a secure cluster needs creds and the CA: its context is the one in the cluster dir, not the shared `jetkeeper` one
        const report = upReport(cluster, dir, opts.secure ? null : (await registerClusterContext(cluster.urls, !!opts.selectContext)) ?? null);
        emit(o, report, () => [
          formatUpReport(report, homedir()), ...(report.secure ? [] : [describeClusterContext(report.natsContext)]), opts.detach ? 'Stop with: jetkeeper down' : 'Press Ctrl-C to stop.',
        ].join('\n'));
        if (opts.detach) return 0;
        await untilAborted(signal);
        await cluster.stop();
        await unregisterClusterContext(cluster.urls);
        return 0;
      });
    }));
}
