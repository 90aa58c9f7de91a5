/**
 * `jetkeeper bench pub|sub|req`: a bounded load generator with latency percentiles and throughput.
 * Connects like every command (the `jetkeeper up` cluster by default). Stops by itself after
 * --duration (or --count messages); on a TTY one progress line is updated on stderr.
 */
import { setMaxListeners } from 'node:events';
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { JetStreamAdmin } from '../nats/admin.js';
import {
  Histogram, type LatencySummary, JsPublisher, newLoadStats, openLoadConnection, runCorePublish, runJsSubscribe, runRequests, startResponder, startSubscriber,
  streamForSubject, type LoadConnection, type LoadStats,
} from '../load/index.js';
import { action, emit, globalOptions, resolveSettings } from './common.js';
import { durationFlag, intFlag } from './drill.js';

type Mode = 'pub' | 'sub' | 'req';

interface BenchFlags {
  subject: string;
  rate: string;
  size: string;
  duration: string;
  count: string;
  concurrency: string;
  js?: boolean;
  replicas?: string;
  deliver?: string;
  responder?: boolean;
}

export interface BenchReport {
  mode: Mode;
  js: boolean;
  subject: string;
  /** the stream used with --js; `created`: made for this run and deleted after it */
  stream: { name: string; created: boolean; deleted: boolean } | null;
  config: { rate: number; size: number; duration_ms: number; count: number; concurrency: number };
  /** messages / requests started */
  attempted: number;
  /** pub: published (core) or acked (--js); sub: received; req: answered */
  completed: number;
  failed: number;
  /** --js pub: attempts beyond the first */
  retried: number;
  /** failed attempts by kind: timeout, no_responders, api_<code>, connection, other */
  errors: Record<string, number>;
  elapsed_ms: number;
  throughput: { msgs_per_sec: number; bytes_per_sec: number };
  /** pub --js: publish → ack; req: request → reply; sub: send stamp → receipt; core pub: none */
  latency_ms: LatencySummary | null;
  responder: { served: number } | null;
}

const DESCRIPTIONS: Record<Mode, string> = {
  pub: 'publish at --rate (core NATS, or acked JetStream publishes with --js; a stream is created for the subject if none captures it, and deleted after)',
  sub: 'subscribe and count (core NATS, or read the stream that captures the subject with --js); latency from the send time stamped in the payload by `bench pub`',
  req: 'request/reply with --concurrency requests in flight; answers them in-process unless --no-responder',
};

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** One line of progress on stderr, only when stderr is a TTY. */
function progress(render: () => string): { stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const timer = setInterval(() => process.stderr.write(`\r\x1b[K${render()}`), 500);
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

export function formatBenchReport(r: BenchReport): string {
  const what = r.mode === 'pub' ? (r.js ? 'acked' : 'published') : r.mode === 'sub' ? 'received' : 'replies';
  const lines = [
    `bench ${r.mode}${r.js ? ' --js' : ''} on ${r.subject}${r.stream ? ` (stream ${r.stream.name}${r.stream.created ? `, created for this run${r.stream.deleted ? ' and deleted' : ' and NOT deleted'}` : ''})` : ''}: ` +
      `${r.config.size} B, rate ${r.config.rate || 'max'}, concurrency ${r.config.concurrency}, ${(r.elapsed_ms / 1000).toFixed(1)}s`,
    `  ${fmtInt(r.completed)} ${what} of ${fmtInt(r.attempted)}; ${fmtInt(r.failed)} failed${r.retried ? `; ${fmtInt(r.retried)} retries` : ''}${Object.keys(r.errors).length ? ` (${Object.entries(r.errors).map(([k, v]) => `${k} ×${v}`).join(', ')})` : ''}`,
    `  throughput: ${fmtInt(r.throughput.msgs_per_sec)} msgs/s, ${(r.throughput.bytes_per_sec / 1e6).toFixed(2)} MB/s`,
  ];
  const l = r.latency_ms;
  if (l && l.count > 0) {
    lines.push(`  latency (ms): p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  (${fmtInt(l.count)} samples${r.mode === 'sub' ? ', from the send stamp' : ''})`);
  }
  if (r.responder) lines.push(`  responder: served ${fmtInt(r.responder.served)}`);
  return lines.join('\n');
}

export function benchCommand(program: Command): void {
  const bench = program.command('bench').description('load generator: publish, subscribe or request/reply with latency percentiles and throughput; bounded in time and count');
  for (const mode of ['pub', 'sub', 'req'] as const) {
    const c = bench
      .command(mode)
      .description(DESCRIPTIONS[mode])
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
      const report = await runBench(mode, flags, await resolveSettings(o));
      emit(o, report, () => formatBenchReport(report));
      return report.completed > 0 ? 0 : 1;
    }));
  }
}

async function runBench(mode: Mode, flags: BenchFlags, settings: Awaited<ReturnType<typeof resolveSettings>>): Promise<BenchReport> {
  const subject = flags.subject;
  const size = intFlag('size', flags.size, 0);
  const durationMs = durationFlag('duration', flags.duration, 1);
  const count = intFlag('count', flags.count, 0);
  const rate = flags.rate === undefined ? 0 : intFlag('rate', flags.rate, 0);
  const concurrency = flags.concurrency === undefined ? 1 : intFlag('concurrency', flags.concurrency, 1);
  const js = !!flags.js;
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // every retrying publish waits on it
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  const conns: LoadConnection[] = [];
  const open = async (name: string) => {
    const c = await openLoadConnection(settings, name);
    conns.push(c);
    return c;
  };
  let stats: LoadStats = newLoadStats();
  let latency: Histogram | null = null;
  let retried = 0;
  let stream: BenchReport['stream'] = null;
  let responder: { served(): number; stop(): Promise<void> } | undefined;
  let admin: JetStreamAdmin | undefined;
  try {
    const main = await open(`jetkeeper-bench-${mode}`);
    if (mode === 'pub' && js) {
      const found = await streamForSubject(main, subject);
      if (found) stream = { name: found, created: false, deleted: false };
      else {
        admin = await JetStreamAdmin.connect(settings);
        const name = `BENCH_${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 17)}`;
        await admin.createStream({ name, subjects: [subject], storage: 'file', num_replicas: intFlag('replicas', flags.replicas ?? '1', 1) });
        stream = { name, created: true, deleted: false };
      }
      const pub = new JsPublisher(main, {
        subject, size, rate, durationMs, maxMessages: count || undefined, maxInFlight: concurrency, signal: ac.signal,
        idPrefix: `${stream.name}-${Date.now().toString(36)}-`, attemptTimeoutMs: settings.timeoutMs ?? 10_000, retryBudgetMs: settings.timeoutMs ?? 10_000,
      });
      const p = progress(() => `bench pub --js: ${fmtInt(pub.stats.acked)} acked, ${fmtInt(pub.stats.failed)} failed, p99 ${(pub.latency.percentile(99) / 1000).toFixed(2)} ms`);
      try {
        const s = await pub.run();
        stats = { attempted: s.attempted, completed: s.acked, failed: s.failed, errors: s.errors, bytes: s.acked * size, elapsedMs: s.elapsedMs };
        retried = s.retried;
        latency = pub.latency;
      } finally {
        p.stop();
      }
    } else if (mode === 'pub') {
      const workers = [main, ...(await Promise.all(Array.from({ length: concurrency - 1 }, (_, i) => open(`jetkeeper-bench-pub-${i + 2}`))))];
      const p = progress(() => `bench pub: ${fmtInt(stats.completed)} published`);
      try {
        const per = rate / workers.length;
        const perCount = count ? Math.ceil(count / workers.length) : undefined;
        await Promise.all(workers.map((w) => runCorePublish(w, { subject, size, rate: per, durationMs, maxMessages: perCount, signal: ac.signal }, stats)));
      } finally {
        p.stop();
      }
      // the workers ran in parallel: elapsed is the wall time of the slowest, not the sum
    } else if (mode === 'sub' && js) {
      const found = await streamForSubject(main, subject);
      if (!found) {
        throw new JkError('JK1012', { message: `no stream captures ${subject}`, fix: 'pass the --subject of a stream, or run `jetkeeper bench pub --js` first' });
      }
      stream = { name: found, created: false, deleted: false };
      latency = new Histogram();
      const lat = latency;
      const p = progress(() => `bench sub --js: ${fmtInt(stats.completed)} received, p99 ${(lat.percentile(99) / 1000).toFixed(2)} ms`);
      try {
        await runJsSubscribe(main, { stream: found, subject, deliverNew: flags.deliver === 'new', durationMs, maxMessages: count || undefined, signal: ac.signal }, stats, latency);
      } finally {
        p.stop();
      }
    } else if (mode === 'sub') {
      const sub = startSubscriber(main, subject, { maxMessages: count || undefined });
      stats = sub.stats;
      latency = sub.latency;
      const p = progress(() => `bench sub: ${fmtInt(sub.stats.completed)} received, p99 ${(sub.latency.percentile(99) / 1000).toFixed(2)} ms`);
      try {
        const start = performance.now();
        while (!ac.signal.aborted && performance.now() - start < durationMs && !(count && sub.stats.completed >= count)) {
          await new Promise((r) => setTimeout(r, Math.min(100, durationMs - (performance.now() - start))));
        }
      } finally {
        p.stop();
        await sub.stop();
      }
      stats.attempted = stats.completed;
    } else {
      if (flags.responder !== false) responder = startResponder(await open('jetkeeper-bench-responder'), subject);
      await main.nc.flush();
      if (responder) await conns[conns.length - 1]!.nc.flush();
      latency = new Histogram();
      const lat = latency;
      const p = progress(() => `bench req: ${fmtInt(stats.completed)} replies, ${fmtInt(stats.failed)} failed, p99 ${(lat.percentile(99) / 1000).toFixed(2)} ms`);
      try {
        await runRequests(main, { subject, size, rate, durationMs, maxMessages: count || undefined, concurrency, timeoutMs: settings.timeoutMs ?? 10_000, signal: ac.signal }, stats, latency);
      } finally {
        p.stop();
      }
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    await responder?.stop().catch(() => {});
    if (stream?.created && admin) {
      try {
        await admin.deleteStream(stream.name);
        stream.deleted = true;
      } catch {
        /* reported as not deleted */
      }
    }
    await admin?.close().catch(() => {});
    await Promise.all(conns.map((c) => c.close()));
  }
  const secs = stats.elapsedMs / 1000;
  return {
    mode,
    js,
    subject,
    stream,
    config: { rate, size, duration_ms: durationMs, count, concurrency },
    attempted: stats.attempted,
    completed: stats.completed,
    failed: stats.failed,
    retried,
    errors: stats.errors,
    elapsed_ms: Math.round(stats.elapsedMs),
    throughput: { msgs_per_sec: secs > 0 ? Math.round(stats.completed / secs) : 0, bytes_per_sec: secs > 0 ? Math.round(stats.bytes / secs) : 0 },
    latency_ms: latency ? latency.summary(1 / 1000) : null,
    responder: responder ? { served: responder.served() } : null,
  };
}
