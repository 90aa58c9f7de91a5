/**
 * A bounded benchmark run (`jetkeeper bench`): core or acked JetStream publishes, a subscriber
 * (core, or an ordered read of a stream), or request/reply; stops by itself after `durationMs`
 * (or `count` messages) and reports counts, throughput and latency percentiles.
 */
import { setMaxListeners } from 'node:events';
import { JkError } from '../errors.js';
import { JetStreamAdmin } from '../nats/admin.js';
import { openLoadConnection, streamForSubject, type LoadConnection } from '../nats/load.js';
import type { ConnectionSettings } from '../nats/settings.js';
import { runCorePublish, runJsSubscribe, runRequests, startResponder, startSubscriber } from './core.js';
import { Histogram, type LatencySummary } from './histogram.js';
import { JsPublisher } from './publisher.js';
import { newLoadStats, type LoadStats } from './stats.js';

export type BenchMode = 'pub' | 'sub' | 'req';

/** What to run; every option has the default the CLI shows. */
export interface BenchOptions {
  /** default `jetkeeper.bench` */
  subject?: string;
  /** payload bytes (default 128) */
  size?: number;
  /** run for this long (default 10 s) */
  durationMs?: number;
  /** stop after this many messages; 0 (default): the duration alone bounds the run */
  count?: number;
  /** pub, req: messages per second in total; 0 (default): as fast as possible */
  rate?: number;
  /** pub: core publishing connections or acked publishes in flight; req: requests in flight (default 1) */
  concurrency?: number;
  /** pub: acked JetStream publishes; sub: read the stream that captures `subject` */
  js?: boolean;
  /** pub with `js`: replicas of the stream made when none captures the subject (default 1) */
  replicas?: number;
  /** sub with `js`: from the start of the stream (default) or only new messages */
  deliver?: 'all' | 'new';
  /** req: answer the requests in-process (default true) */
  responder?: boolean;
}

/** A live line shown while the run goes on: called with a renderer, returns how to stop it. */
export type BenchProgress = (render: () => string) => { stop(): void };

export interface BenchControl {
  /** aborting it ends the run early; the report covers what ran */
  signal?: AbortSignal;
  progress?: BenchProgress;
}

export interface BenchReport {
  mode: BenchMode;
  js: boolean;
  subject: string;
  /** the stream used with `js`; `created`: made for this run and deleted after it */
  stream: { name: string; created: boolean; deleted: boolean } | null;
  config: { rate: number; size: number; duration_ms: number; count: number; concurrency: number };
  /** messages / requests started */
  attempted: number;
  /** pub: published (core) or acked (`js`); sub: received; req: answered */
  completed: number;
  failed: number;
  /** pub with `js`: attempts beyond the first */
  retried: number;
  /** failed attempts by kind: timeout, no_responders, api_<code>, connection, other */
  errors: Record<string, number>;
  elapsed_ms: number;
  throughput: { msgs_per_sec: number; bytes_per_sec: number };
  /** pub with `js`: publish → ack; req: request → reply; sub: send stamp → receipt; core pub: none */
  latency_ms: LatencySummary | null;
  responder: { served: number } | null;
}

/** What one bench run shares between its setup, its mode and its report. */
interface BenchRun {
  mode: BenchMode;
  options: Required<BenchOptions>;
  settings: ConnectionSettings;
  signal: AbortSignal;
  progress: BenchProgress;
  conns: LoadConnection[];
  stats: LoadStats;
  latency: Histogram | null;
  retried: number;
  stream: BenchReport['stream'];
  responder?: { served(): number; stop(): Promise<void> };
  admin?: JetStreamAdmin;
}

const DEFAULTS: Required<BenchOptions> = {
  subject: 'jetkeeper.bench', size: 128, durationMs: 10_000, count: 0, rate: 0, concurrency: 1, js: false, replicas: 1, deliver: 'all', responder: true,
};

const noProgress: BenchProgress = () => ({ stop() {} });

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const p99 = (h: Histogram) => `p99 ${(h.percentile(99) / 1000).toFixed(2)} ms`;

async function open(run: BenchRun, name: string): Promise<LoadConnection> {
  const c = await openLoadConnection(run.settings, name);
  run.conns.push(c);
  return c;
}

/** Runs `body` with a progress line that stops when it ends. */
async function withProgress<T>(run: BenchRun, render: () => string, body: () => Promise<T>): Promise<T> {
  const p = run.progress(render);
  try {
    return await body();
  } finally {
    p.stop();
  }
}

/** The stream that captures the subject, else one made for this run. */
async function benchStream(run: BenchRun, main: LoadConnection): Promise<NonNullable<BenchReport['stream']>> {
  const { subject, replicas } = run.options;
  const found = await streamForSubject(main, subject);
  if (found) return { name: found, created: false, deleted: false };
  run.admin = await JetStreamAdmin.connect(run.settings);
  const name = `BENCH_${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 17)}`;
  await run.admin.createStream({ name, subjects: [subject], storage: 'file', num_replicas: replicas });
  return { name, created: true, deleted: false };
}

async function benchJsPub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { subject, size, rate, durationMs, count, concurrency } = run.options;
  const stream = await benchStream(run, main);
  run.stream = stream;
  const timeoutMs = run.settings.timeoutMs ?? 10_000;
  const pub = new JsPublisher(main, {
    subject, size, rate, durationMs, maxMessages: count || undefined, maxInFlight: concurrency, signal: run.signal,
    idPrefix: `${stream.name}-${Date.now().toString(36)}-`, attemptTimeoutMs: timeoutMs, retryBudgetMs: timeoutMs,
  });
  const s = await withProgress(run, () => `bench pub \`js\`: ${fmtInt(pub.stats.acked)} acked, ${fmtInt(pub.stats.failed)} failed, ${p99(pub.latency)}`, () => pub.run());
  run.stats = { attempted: s.attempted, completed: s.acked, failed: s.failed, errors: s.errors, bytes: s.acked * size, elapsedMs: s.elapsedMs };
  run.retried = s.retried;
  run.latency = pub.latency;
}

async function benchCorePub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { concurrency, count, subject, size, durationMs, rate } = run.options;
  const { signal, stats } = run;
  const workers = [main, ...(await Promise.all(Array.from({ length: concurrency - 1 }, (_, i) => open(run, `jetkeeper-bench-pub-${i + 2}`))))];
  const per = rate / workers.length;
  const perCount = count ? Math.ceil(count / workers.length) : undefined;
  // the workers run in parallel: elapsed is the wall time of the slowest, not the sum
  await withProgress(
    run,
    () => `bench pub: ${fmtInt(stats.completed)} published`,
    () => Promise.all(workers.map((w) => runCorePublish(w, { subject, size, rate: per, durationMs, maxMessages: perCount, signal }, stats))),
  );
}

async function benchJsSub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { subject, deliver, durationMs, count } = run.options;
  const { stats } = run;
  const found = await streamForSubject(main, subject);
  if (!found) {
    throw new JkError('JK1012', { message: `no stream captures ${subject}`, fix: 'pass the `subject` of a stream, or run `jetkeeper bench pub --js` first' });
  }
  run.stream = { name: found, created: false, deleted: false };
  const latency = new Histogram();
  run.latency = latency;
  const options = { stream: found, subject, deliverNew: deliver === 'new', durationMs, maxMessages: count || undefined, signal: run.signal };
  await withProgress(run, () => `bench sub \`js\`: ${fmtInt(stats.completed)} received, ${p99(latency)}`, () => runJsSubscribe(main, options, stats, latency));
}

/** Resolves after `ms`, when `signal` aborts, or once `done()` holds (checked every 100 ms). */
async function waitUntil(ms: number, signal: AbortSignal, done: () => boolean): Promise<void> {
  const start = performance.now();
  while (!signal.aborted && performance.now() - start < ms && !done()) {
    await new Promise((r) => setTimeout(r, Math.min(100, ms - (performance.now() - start))));
  }
}

async function benchCoreSub(run: BenchRun, main: LoadConnection): Promise<void> {
  const { subject, count, durationMs } = run.options;
  const sub = startSubscriber(main, subject, { maxMessages: count || undefined });
  run.stats = sub.stats;
  run.latency = sub.latency;
  try {
    await withProgress(
      run,
      () => `bench sub: ${fmtInt(sub.stats.completed)} received, ${p99(sub.latency)}`,
      () => waitUntil(durationMs, run.signal, () => !!count && sub.stats.completed >= count),
    );
  } finally {
    await sub.stop();
  }
  run.stats.attempted = run.stats.completed;
}

async function benchReq(run: BenchRun, main: LoadConnection): Promise<void> {
  const { subject, size, rate, durationMs, count, concurrency } = run.options;
  const { stats } = run;
  if (run.options.responder) {
    const conn = await open(run, 'jetkeeper-bench-responder');
    run.responder = startResponder(conn, subject);
    await conn.nc.flush();
  }
  await main.nc.flush();
  const latency = new Histogram();
  run.latency = latency;
  const options = { subject, size, rate, durationMs, maxMessages: count || undefined, concurrency, timeoutMs: run.settings.timeoutMs ?? 10_000, signal: run.signal };
  await withProgress(
    run,
    () => `bench req: ${fmtInt(stats.completed)} replies, ${fmtInt(stats.failed)} failed, ${p99(latency)}`,
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
  const { stats, options: o } = run;
  const secs = stats.elapsedMs / 1000;
  return {
    mode: run.mode,
    js: o.js,
    subject: o.subject,
    stream: run.stream,
    config: { rate: o.rate, size: o.size, duration_ms: o.durationMs, count: o.count, concurrency: o.concurrency },
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

const BODIES: Record<BenchMode, { core: typeof benchReq; js: typeof benchReq }> = {
  pub: { core: benchCorePub, js: benchJsPub },
  sub: { core: benchCoreSub, js: benchJsSub },
  req: { core: benchReq, js: benchReq },
};

/** One bench run: connects with `settings`, runs `mode` until its bounds, cleans up what it made, reports. */
export async function runBench(mode: BenchMode, options: BenchOptions, settings: ConnectionSettings, control: BenchControl = {}): Promise<BenchReport> {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // every retrying publish waits on it
  const onAbort = () => ac.abort();
  if (control.signal?.aborted) ac.abort();
  control.signal?.addEventListener('abort', onAbort, { once: true });
  const o: Required<BenchOptions> = { ...DEFAULTS, ...definedOnly(options) };
  const run: BenchRun = {
    mode, options: o, settings, signal: ac.signal, progress: control.progress ?? noProgress,
    conns: [], stats: newLoadStats(), latency: null, retried: 0, stream: null,
  };
  try {
    const main = await open(run, `jetkeeper-bench-${mode}`);
    await BODIES[mode][o.js ? 'js' : 'core'](run, main);
  } finally {
    control.signal?.removeEventListener('abort', onAbort);
    await closeRun(run);
  }
  return benchReport(run);
}

/** The options that are set: an explicit `undefined` keeps the default. */
function definedOnly(options: BenchOptions): BenchOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as BenchOptions;
}

/** The report as text; options in backticks, as every library text. */
export function formatBenchReport(r: BenchReport): string {
  const what = r.mode === 'pub' ? (r.js ? 'acked' : 'published') : r.mode === 'sub' ? 'received' : 'replies';
  const created = r.stream?.created ? `, created for this run${r.stream.deleted ? ' and deleted' : ' and NOT deleted'}` : '';
  const stream = r.stream ? ` (stream ${r.stream.name}${created})` : '';
  const errors = Object.keys(r.errors).length ? ` (${Object.entries(r.errors).map(([k, v]) => `${k} ×${v}`).join(', ')})` : '';
  const lines = [
    `bench ${r.mode}${r.js ? ' `js`' : ''} on ${r.subject}${stream}: ` +
      `${r.config.size} B, rate ${r.config.rate || 'max'}, concurrency ${r.config.concurrency}, ${(r.elapsed_ms / 1000).toFixed(1)}s`,
    `  ${fmtInt(r.completed)} ${what} of ${fmtInt(r.attempted)}; ${fmtInt(r.failed)} failed${r.retried ? `; ${fmtInt(r.retried)} retries` : ''}${errors}`,
    `  throughput: ${fmtInt(r.throughput.msgs_per_sec)} msgs/s, ${(r.throughput.bytes_per_sec / 1e6).toFixed(2)} MB/s`,
  ];
  const l = r.latency_ms;
  if (l && l.count > 0) {
    lines.push(`  latency (ms): p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  (${fmtInt(l.count)} samples${r.mode === 'sub' ? ', from the send stamp' : ''})`);
  }
  if (r.responder) lines.push(`  responder: served ${fmtInt(r.responder.served)}`);
  return lines.join('\n');
}
