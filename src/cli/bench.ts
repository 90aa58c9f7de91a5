/** `jetkeeper bench pub|sub|req`: the bounded load generator of src/load/bench.ts, with a progress line on a TTY. */
import type { Command } from 'commander';
import { formatBenchReport, runBench, type BenchMode, type BenchOptions } from '../load/bench.js';
import { action, emit, globalOptions, progressLine, resolveSettings, untilInterrupted } from './common.js';
import { durationFlag, intFlag } from './flags.js';

interface BenchFlags { subject: string; rate?: string; size: string; duration: string; count: string; concurrency?: string; js?: boolean; replicas?: string; deliver?: string; responder?: boolean }

const DESCRIPTIONS: Record<BenchMode, string> = {
  pub: 'publish at --rate (core NATS, or acked JetStream publishes with --js; a stream is created for the subject if none captures it, and deleted after)',
  sub: 'subscribe and count (core NATS, or read the stream that captures the subject with --js); latency from the send time stamped in the payload by `bench pub`',
  req: 'request/reply with --concurrency requests in flight; answers them in-process unless --no-responder',
};

function benchOptions(f: BenchFlags): BenchOptions {
  return {
    subject: f.subject, size: intFlag('size', f.size, 0), durationMs: durationFlag('duration', f.duration, 1), count: intFlag('count', f.count, 0),
    rate: f.rate === undefined ? 0 : intFlag('rate', f.rate, 0), concurrency: f.concurrency === undefined ? 1 : intFlag('concurrency', f.concurrency, 1),
    js: !!f.js, replicas: f.replicas === undefined ? 1 : intFlag('replicas', f.replicas, 1), deliver: f.deliver === 'new' ? 'new' : 'all', responder: f.responder !== false,
  };
}

export function benchCommand(program: Command): void {
  const bench = program.command('bench').description('load generator: publish, subscribe or request/reply with latency percentiles and throughput; bounded in time and count');
  for (const mode of ['pub', 'sub', 'req'] as const) {
    const c = bench.command(mode).description(DESCRIPTIONS[mode])
      .option('--subject <subject>', 'subject', 'jetkeeper.bench')
      .option('--size <bytes>', 'payload size', '128')
      .option('--duration <dur>', 'run for this long (Go duration)', '10s')
      .option('--count <n>', 'stop after this many messages (0: the duration alone bounds it)', '0');
    if (mode !== 'sub') {
      c.option('--rate <n>', 'messages per second in total (0: as fast as possible)', '0');
      c.option('--concurrency <n>', mode === 'req' ? 'requests in flight' : 'core: publishing connections; --js: acked publishes in flight', '1');
    }
    if (mode !== 'req') c.option('--js', mode === 'pub' ? 'acked JetStream publishes' : 'read the stream that captures --subject (ordered consumer)');
    if (mode === 'pub') c.option('--replicas <n>', 'replicas of the stream --js creates when none captures the subject', '1');
    if (mode === 'sub') c.option('--deliver <all|new>', '--js: from the start of the stream or only new messages', 'all');
    if (mode === 'req') c.option('--no-responder', 'do not answer the requests in-process (a service already listens on --subject)');
    c.action(action(async (flags: BenchFlags, cmd: Command) => {
      const o = globalOptions(cmd);
      const options = benchOptions(flags);
      const report = await untilInterrupted(['SIGINT'], (signal) => runBench(mode, options, resolveSettings(o), { signal, progress: progressLine }));
      emit(o, report, () => formatBenchReport(report));
      return report.completed > 0 ? 0 : 1;
    }));
  }
}
