/** `jetkeeper drill kill-server`: a failure drill against a local cluster (see src/lab/drill.ts). */
import type { Command } from 'commander';
import { clusterSettings, openCluster } from '../local/cluster.js';
import { formatDrillReport, runKillServerDrill } from '../lab/drill.js';
import { action, emit, globalOptions, localClusterDir, untilInterrupted } from './common.js';
import { durationFlag, intFlag } from './flags.js';

interface KillServerFlags {
  target: string;
  count?: string;
  partition?: boolean;
  duration: string;
  down?: string;
  rate: string;
  size: string;
  dir?: string;
}

export function drillCommand(program: Command): void {
  const drill = program
    .command('drill')
    .description('failure drills against a local cluster (`jetkeeper up`): measure what clients see, check that no acked message is lost');
  drill
    .command('kill-server')
    .description(
      'create a drill stream (R3, file), publish acked messages and consume them, kill servers, restart them, ' +
        'and report publish failures, time without a stream leader, acked messages missing (must be 0), duplicates and time to recover; ' +
        'deletes only the stream it created. Exit 0 when no acked message is missing and quorum and replicas are back',
    )
    .option('--target <leader|random|NAME>', 'which server: the stream leader, a random replica, or server name(s) n1[,n2]', 'leader')
    .option('--count <n>', 'servers to take down: 1 (quorum kept) or 2 of 3 (no quorum)')
    .option(
      '--partition',
      'partition the target(s) instead of SIGKILL and restart: on a cluster started with `jetkeeper up --netns` their network is cut ' +
        '(veth down) and healed; otherwise they are stopped with SIGSTOP and continued with SIGCONT (partition simulated with SIGSTOP, said so in the report)',
    )
    .option('--duration <dur>', 'publishing time (longer when the restart takes longer)', '20s')
    .option('--down <dur>', 'how long the targets stay down (default 35% of --duration)')
    .option('--rate <n>', 'acked publishes per second (0: as fast as 64 in flight allow)', '1000')
    .option('--size <bytes>', 'payload size', '128')
    .option('--dir <dir>', 'the local cluster\'s directory (default: the `jetkeeper up` cluster, <home>/local)')
    .action(action(async (flags: KillServerFlags, cmd: Command) => {
      const o = globalOptions(cmd);
      const cluster = openCluster(flags.dir ?? localClusterDir(o));
      const timeout = Number.parseInt(o.timeout, 10);
      const interrupted = () => process.stderr.write('interrupted: bringing the servers back and deleting the drill stream...\n');
      const report = await untilInterrupted(['SIGINT', 'SIGTERM'], (signal) => runKillServerDrill({
        cluster,
        settings: clusterSettings(cluster, Number.isFinite(timeout) && timeout > 0 ? timeout : undefined),
        target: flags.target,
        count: flags.count === undefined ? undefined : intFlag('count', flags.count, 1),
        partition: !!flags.partition,
        durationMs: durationFlag('duration', flags.duration, 4_000),
        downMs: flags.down === undefined ? undefined : durationFlag('down', flags.down, 1),
        rate: intFlag('rate', flags.rate, 0),
        size: intFlag('size', flags.size, 0),
        signal,
        log: (line) => process.stderr.write(`drill: ${line}\n`),
      }), interrupted);
      emit(o, report, () => formatDrillReport(report));
      return report.ok ? 0 : 1;
    }));
}
