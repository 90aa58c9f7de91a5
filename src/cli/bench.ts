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

type Settings = Awaited<ReturnType<typeof resolveSettings>>;

/** What one bench run shares between its setup, its mode and its report. */
interface BenchRun {
  mode: Mode;
  flags: BenchFlags;
  settings: Settings;
  subject: string;
  size: number;
  durationMs: number;
  count: number;
  rate: number;
  concurrency: number;
  js: boolean;
  signal: AbortSignal;
  conns: LoadConnection[];
  stats: LoadStats;
  latency: Histogram | null;
  retried: number;
  stream: BenchReport['stream'];
  responder?: { served(): number; stop(): Promise<void> };
  admin?: JetStreamAdmin;
}

async function open(run: BenchRun, name: string): Promise<LoadConnection> {
  const c = await openLoadConnection(run.settings, name);
  run.conns.push(c);
  return c;
}

/** Runs `body` with a progress line that stops when it ends. */
async function withProgress<T>(render: () => string, body: () => Promise<T>): Promise<T> {
  const p = progress(render);
  try {
    return await body();
  } finally {
    p.stop();
  }
}

async function benchJsPub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { subject, size, settings } = run;
  const found = await streamForSubject(main, subject);
  let stream: NonNullable<BenchReport['stream']>;
  if (found) stream = { name: found, created: false, deleted: false };
  else {
    run.admin = await JetStreamAdmin.connect(settings);
    const name = `BENCH_${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 17)}`;
    await run.admin.createStream({ name, subjects: [subject], storage: 'file', num_replicas: intFlag('replicas', run.flags.replicas ?? '1', 1) });
    stream = { name, created: true, deleted: false };
  }
  run.stream = stream;
  const pub = new JsPublisher(main, {
    subject, size, rate: run.rate, durationMs: run.durationMs, maxMessages: run.count || undefined, maxInFlight: run.concurrency, signal: run.signal,
    idPrefix: `${stream.name}-${Date.now().toString(36)}-`, attemptTimeoutMs: settings.timeoutMs ?? 10_000, retryBudgetMs: settings.timeoutMs ?? 10_000,
  });
  const s = await withProgress(
    () => `bench pub --js: ${fmtInt(pub.stats.acked)} acked, ${fmtInt(pub.stats.failed)} failed, p99 ${(pub.latency.percentile(99) / 1000).toFixed(2)} ms`,
    () => pub.run(),
  );
  run.stats = { attempted: s.attempted, completed: s.acked, failed: s.failed, errors: s.errors, bytes: s.acked * size, elapsedMs: s.elapsedMs };
  run.retried = s.retried;
  run.latency = pub.latency;
}

async function benchCorePub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { concurrency, count, subject, size, durationMs, signal, stats } = run;
  const workers = [main, ...(await Promise.all(Array.from({ length: concurrency - 1 }, (_, i) => open(run, `jetkeeper-bench-pub-${i + 2}`))))];
  const per = run.rate / workers.length;
  const perCount = count ? Math.ceil(count / workers.length) : undefined;
  // the workers run in parallel: elapsed is the wall time of the slowest, not the sum
  await withProgress(
    () => `bench pub: ${fmtInt(stats.completed)} published`,
    () => Promise.all(workers.map((w) => runCorePublish(w, { subject, size, rate: per, durationMs, maxMessages: perCount, signal }, stats))),
  );
}

async function benchJsSub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { subject, stats } = run;
  const found = await streamForSubject(main, subject);
  if (!found) {
    throw new JkError('JK1012', { message: `no stream captures ${subject}`, fix: 'pass the --subject of a stream, or run `jetkeeper bench pub --js` first' });
  }
  run.stream = { name: found, created: false, deleted: false };
  const latency = new Histogram();
  run.latency = latency;
  const options = { stream: found, subject, deliverNew: run.flags.deliver === 'new', durationMs: run.durationMs, maxMessages: run.count || undefined, signal: run.signal };
  await withProgress(
    () => `bench sub --js: ${fmtInt(stats.completed)} received, p99 ${(latency.percentile(99) / 1000).toFixed(2)} ms`,
    () => runJsSubscribe(main, options, stats, latency),
  );
}

async function benchCoreSub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { count, durationMs, signal } = run;
  const sub = startSubscriber(main, run.subject, { maxMessages: count || undefined });
  run.stats = sub.stats;
  run.latency = sub.latency;
  try {
    await withProgress(
      () => `bench sub: ${fmtInt(sub.stats.completed)} received, p99 ${(sub.latency.percentile(99) / 1000).toFixed(2)} ms`,
      async () => {
        const start = performance.now();
        while (!signal.aborted && performance.now() - start < durationMs && !(count && sub.stats.completed >= count)) {
          await new Promise((r) => setTimeout(r, Math.min(100, durationMs - (performance.now() - start))));
        }
      },
    );
  } finally {
    await sub.stop();
  }
  run.stats.attempted = run.stats.completed;
}

async function benchReq(run: BenchRun, main: LoadConnection): Promise<void> {
  const { subject, stats } = run;
  if (run.flags.responder !== false) {
    const conn = await open(run, 'jetkeeper-bench-responder');
    run.responder = startResponder(conn, subject);
    await conn.nc.flush();
  }
  await main.nc.flush();
  const latency = new Histogram();
  run.latency = latency;
  const options = {
    subject, size: run.size, rate: run.rate, durationMs: run.durationMs, maxMessages: run.count || undefined, concurrency: run.concurrency,
    timeoutMs: run.settings.timeoutMs ?? 10_000, signal: run.signal,
  };
  await withProgress(
    () => `bench req: ${fmtInt(stats.completed)} replies, ${fmtInt(stats.failed)} failed, p99 ${(latency.percentile(99) / 1000).toFixed(2)} ms`,
    () => runRequests(main, options, stats, latency),
  );
}

/** Stops the responder, deletes the stream made for the run, closes every connection. */
async function closeRun(run: BenchRun): Promise<void> {
  await run.responder?.stop().catch(() => {});
  if (run.stream?.created && run.admin) {
    try {
      await run.admin.deleteStream(run.stream.name);
      run.stream.deleted = true;
    } catch {
      /* reported as not deleted */
    }
  }
  await run.admin?.close().catch(() => {});
  await Promise.all(run.conns.map((c) => c.close()));
}

function benchReport(run: BenchRun): BenchReport {
  const { stats } = run;
  const secs = stats.elapsedMs / 1000;
  return {
    mode: run.mode,
    js: run.js,
    subject: run.subject,
    stream: run.stream,
    config: { rate: run.rate, size: run.size, duration_ms: run.durationMs, count: run.count, concurrency: run.concurrency },
    attempted: stats.attempted,
    completed: stats.completed,
    failed: stats.failed,
    retried: run.retried,
    errors: stats.errors,
    elapsed_ms: Math.round(stats.elapsedMs),
    throughput: { msgs_per_sec: secs > 0 ? Math.round(stats.completed / secs) : 0, bytes_per_sec: secs > 0 ? Math.round(stats.bytes / secs) : 0 },
    latency_ms: run.latency ? run.latency.summary(1 / 1000) : null,
    responder: run.responder ? { served: run.responder.served() } : null,
  };
}

async function runBench(mode: Mode, flags: BenchFlags, settings: Settings): Promise<BenchReport> {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // every retrying publish waits on it
  const run: BenchRun = {
    mode, flags, settings,
    subject: flags.subject,
    size: intFlag('size', flags.size, 0),
    durationMs: durationFlag('duration', flags.duration, 1),
    count: intFlag('count', flags.count, 0),
    rate: flags.rate === undefined ? 0 : intFlag('rate', flags.rate, 0),
    concurrency: flags.concurrency === undefined ? 1 : intFlag('concurrency', flags.concurrency, 1),
    js: !!flags.js,
    signal: ac.signal,
    conns: [], stats: newLoadStats(), latency: null, retried: 0, stream: null,
  };
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  try {
    const main = await open(run, `jetkeeper-bench-${mode}`);
    const body = mode === 'pub' ? (run.js ? benchJsPub : benchCorePub) : mode === 'sub' ? (run.js ? benchJsSub : benchCoreSub) : benchReq;
    await body(run, main);
  } finally {
    process.removeListener('SIGINT', onSignal);
    await closeRun(run);
  }
  return benchReport(run);
}
