/**
 * The pipeline benchmark. On one fresh local 3-node cluster (127.0.0.1), in the same run:
 *
 *   a. jetkeeper's reference pipeline (src/nats/load.ts): acked JetStream publishes with message IDs,
 *      `--pipeline-inflight` in flight, into an R3 file stream, consumed by a durable pull consumer
 *      that acks each message (explicit acks, pulls of the same size). Time: from the start until the
 *      consumer has every message.
 *   b. `nats bench js pub async --dedup --batch <inflight>` and `nats bench js consume --acks explicit
 *      --batch <inflight>` (nats CLI v0.5.0) started together on an identical stream (made beforehand,
 *      with its durable consumer, so neither side pays for creating a Raft group). Time: from spawning
 *      both until both exited (their start-up and connect, a few tens of ms, count against nats).
 *   c. request/reply with one request in flight: jetkeeper's requester + responder, `nats bench service
 *      request` + `nats bench service serve`, and jetkeeper's requester against the nats responder.
 *
 * The clients of both tools connect to the same server: one that does not lead the stream (so every
 * publish takes one route hop); for request/reply requesters connect to n1 and responders to n2.
 * (a) and (b) alternate their order over `--pipeline-rounds`. Ratios: pipeline throughput jetkeeper /
 * nats, the median of the per-round ratios (target >= 0.90); request/reply p50 and p99 jetkeeper / nats.
 * Run alone: `node dist/bench/pipeline.js --pipeline-msgs 50000`, or through `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JetStreamAdmin } from '../src/nats/admin.js';
import {
  Histogram, JsPublisher, PullConsumerLoad, newLoadStats, openLoadConnection, runRequests, startResponder, type LoadConnection,
} from '../src/load/index.js';
import { sleep } from '../src/nats/retry.js';
import type { ConnectionSettings } from '../src/nats/settings.js';
import type { LocalCluster } from '../src/local/cluster.js';
import {
  benchCacheDir, environment, fmtMs, fmtRatio, intOption, log, median, now, round, runWhenMain, table, withCluster, writeJson, RESULTS_DIR,
  type Benchmark, type BenchResult, type OptionSpecs, type ParsedOptions, type Ratio,
} from './lib.js';

export const PIPELINE_OPTIONS: OptionSpecs = {
  'pipeline-msgs': { type: 'string', default: '100000', description: 'messages per pipeline run (each published with an ack, consumed and acked)' },
  'pipeline-size': { type: 'string', default: '128', description: 'payload bytes' },
  'pipeline-inflight': { type: 'string', default: '500', description: 'acked publishes in flight (nats bench --batch) and messages per pull' },
  'pipeline-rounds': { type: 'string', default: '5', description: 'measured rounds of the pipeline (alternating jetkeeper / nats first); medians' },
  'req-msgs': { type: 'string', default: '20000', description: 'requests per request/reply run (one in flight)' },
  'max-minutes': { type: 'string', default: '40', description: 'overall deadline: the cluster is stopped and the run aborted after it' },
};

const PIPELINE_TARGET = 0.9;

// ---------------------------------------------------------------------------------------------
// the nats CLI

function natsCli(): string {
  const p = join(benchCacheDir(), 'bin', 'nats');
  if (!existsSync(p)) throw new Error(`nats CLI not found at ${p}: run \`node scripts/install-nats.mjs\``);
  return p;
}

interface Proc { code: number | null; out: string; ms: number }

/** Runs the nats CLI (bounded: killed by pid after `timeoutMs`). `started` resolves once it is spawned. */
function runNats(args: string[], timeoutMs: number): { done: Promise<Proc>; pid: () => number | undefined } {
  const t0 = now();
  const child = spawn(natsCli(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<Proc>((resolve) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, out: out + String(e), ms: now() - t0 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: now() - t0 });
    });
  });
  return { done, pid: () => (child.exitCode === null ? child.pid : undefined) };
}

/** `47,665 msgs/sec` from a nats bench stats line. */
function parseRate(out: string, what: RegExp): number {
  const line = out.split('\n').find((l) => what.test(l) && /stats:/.test(l));
  const m = line && /stats:\s*([\d,.]+)\s*msgs\/sec/.exec(line);
  return m ? Number(m[1]!.replace(/,/g, '')) : NaN;
}

/** `P50: 209.55us` from a nats bench stats line, in microseconds. */
function parseLatency(out: string, label: string): number {
  const m = new RegExp(`${label.replace('.', '\\.')}:\\s*([\\d,.]+)\\s*(ns|us|µs|ms|s)\\b`).exec(out);
  if (!m) return NaN;
  const v = Number(m[1]!.replace(/,/g, ''));
  return v * ({ ns: 1e-3, us: 1, µs: 1, ms: 1e3, s: 1e6 } as Record<string, number>)[m[2]!]!;
}

function natsArgs(url: string): string[] {
  return ['--no-context', '-s', url];
}

// ---------------------------------------------------------------------------------------------
// the pipeline

interface PipelineRun {
  tool: 'jetkeeper' | 'nats';
  round: number;
  ms: number;
  msgsPerSec: number;
  /** jetkeeper: acked publishes; nats: reported by nats bench */
  published: number;
  consumed: number;
  pubReported?: number;
  subReported?: number;
  pubP50Ms?: number;
  pubP99Ms?: number;
}

/**
 * A new stream and durable consumer. Returns the client URL of a server that does not lead the stream:
 * both tools' clients connect there, so every publish takes the same route hop to the leader (where
 * the leader sits would otherwise decide more than the client does).
 */
async function freshStream(c: LocalCluster, admin: JetStreamAdmin, name: string, subject: string, consumer: string): Promise<string> {
  if (await admin.streamInfo(name)) await admin.deleteStream(name);
  // as `nats bench js pub --create --replicas 3 --storage file` makes it
  await admin.createStream({ name, subjects: [subject], storage: 'file', num_replicas: 3, max_bytes: 1024 ** 3, duplicate_window: 120_000_000_000 });
  await admin.createConsumer(name, { durable_name: consumer, ack_policy: 'explicit' });
  const leader = (await admin.streamInfo(name))?.cluster?.leader;
  return (c.servers.find((s) => s.name !== leader) ?? c.servers[0]!).clientUrl;
}

/** How many messages one pipeline round moves, their size and how many are in flight. */
interface PipelineShape { n: number; size: number; inflight: number }

async function jetkeeperPipeline(c: LocalCluster, settings: ConnectionSettings, admin: JetStreamAdmin, round: number, { n, size, inflight }: PipelineShape): Promise<PipelineRun> {
  const name = `PIPE_JK_${round}`;
  const subject = `pipe.jk.${round}`;
  settings = { ...settings, servers: [await freshStream(c, admin, name, subject, 'pipeline')] };
  const conns: LoadConnection[] = [await openLoadConnection(settings, 'bench-pipeline-pub'), await openLoadConnection(settings, 'bench-pipeline-sub')];
  try {
    let consumed = 0;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const consumer = new PullConsumerLoad(conns[1]!, {
      stream: name, consumer: 'pipeline', idPrefix: 'p-', batch: inflight, countRedeliveries: false,
      onMessage: (_i, first) => {
        if (first && ++consumed >= n) resolveAll();
      },
    });
    const pub = new JsPublisher(conns[0]!, { subject, size, rate: 0, durationMs: 600_000, maxMessages: n, maxInFlight: inflight, idPrefix: 'p-' });
    const t0 = now();
    consumer.start();
    const pubRun = pub.run();
    const timeout = new Promise<void>((r) => setTimeout(r, 300_000).unref());
    await Promise.race([all, timeout]);
    const ms = now() - t0;
    await pubRun;
    await consumer.stop();
    if (consumed < n) throw new Error(`jetkeeper pipeline: only ${consumed} of ${n} messages consumed in 5 minutes`);
    const lat = pub.latency.summary(1 / 1000);
    return { tool: 'jetkeeper', round, ms, msgsPerSec: (n * 1000) / ms, published: pub.stats.acked, consumed, pubP50Ms: lat.p50, pubP99Ms: lat.p99 };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await admin.deleteStream(name).catch(() => {});
  }
}

async function natsPipeline(c: LocalCluster, admin: JetStreamAdmin, round: number, { n, size, inflight }: PipelineShape): Promise<PipelineRun> {
  const name = `PIPE_NATS_${round}`;
  const subject = `pipe.nats.${round}`;
  const url = await freshStream(c, admin, name, subject, 'nats-bench');
  try {
    const t0 = now();
    const sub = runNats([...natsArgs(url), 'bench', 'js', 'consume', '--stream', name, '--consumer', 'nats-bench', '--msgs', String(n), '--batch', String(inflight), '--acks', 'explicit', '--no-progress'], 300_000);
    const pub = runNats([...natsArgs(url), 'bench', 'js', 'pub', 'async', subject, '--stream', name, '--msgs', String(n), '--size', `${size}B`, '--batch', String(inflight), '--dedup', '--no-progress'], 300_000);
    const [s, p] = await Promise.all([sub.done, pub.done]);
    const ms = now() - t0;
    if (s.code !== 0 || p.code !== 0) throw new Error(`nats bench failed (consume exit ${s.code}, pub exit ${p.code}):\n${s.out}\n${p.out}`);
    const info = await admin.streamInfo(name);
    return {
      tool: 'nats', round, ms, msgsPerSec: (n * 1000) / ms, published: info?.state.messages ?? NaN, consumed: n,
      pubReported: parseRate(p.out, /publisher/), subReported: parseRate(s.out, /consumer/),
      pubP50Ms: parseLatency(p.out, 'P50') / 1000, pubP99Ms: parseLatency(p.out, 'P99') / 1000,
    };
  } finally {
    await admin.deleteStream(name).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// request/reply

interface ReqRun {
  pair: string;
  msgs: number;
  msgsPerSec: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
}

function fromHistogram(pair: string, h: Histogram, msgs: number, ms: number): ReqRun {
  return { pair, msgs, msgsPerSec: (msgs * 1000) / ms, p50Us: h.percentile(50), p90Us: h.percentile(90), p99Us: h.percentile(99), p999Us: h.percentile(99.9) };
}

async function jetkeeperRequests(settings: ConnectionSettings, subject: string, m: number, size: number, pair: string): Promise<ReqRun> {
  const conn = await openLoadConnection(settings, 'bench-requester');
  try {
    await runRequests(conn, { subject, size, rate: 0, durationMs: 60_000, maxMessages: 500, concurrency: 1 }); // warm-up
    const { stats, latency } = await runRequests(conn, { subject, size, rate: 0, durationMs: 300_000, maxMessages: m, concurrency: 1 }, newLoadStats(), new Histogram());
    if (stats.failed) throw new Error(`${pair}: ${stats.failed} requests failed (${JSON.stringify(stats.errors)})`);
    return fromHistogram(pair, latency, stats.completed, stats.elapsedMs);
  } finally {
    await conn.close();
  }
}

/** Waits until something answers requests on `subject` (at most 15 s). */
async function waitForService(settings: ConnectionSettings, subject: string, size: number): Promise<void> {
  const probe = await openLoadConnection(settings, 'bench-probe');
  try {
    const deadline = now() + 15_000;
    for (;;) {
      try {
        await probe.request(subject, new Uint8Array(size), { timeoutMs: 500 });
        return;
      } catch (e) {
        if (now() > deadline) throw new Error(`nats bench service serve did not answer: ${(e as Error).message}`);
        await sleep(100);
      }
    }
  } finally {
    await probe.close();
  }
}

/** Requesters connect to the first server and responders to the second, for both tools (one route hop). */
async function requestReply(c: LocalCluster, settings: ConnectionSettings, m: number, size: number): Promise<ReqRun[]> {
  const runs: ReqRun[] = [];
  const reqUrl = c.servers[0]!.clientUrl;
  const respUrl = c.servers[1]!.clientUrl;
  const reqSettings = { ...settings, servers: [reqUrl] };
  // jetkeeper requester -> jetkeeper responder (each on its own connection)
  const respConn = await openLoadConnection({ ...settings, servers: [respUrl] }, 'bench-responder');
  const responder = startResponder(respConn, 'bench.rr.jk');
  try {
    await respConn.flush();
    runs.push(await jetkeeperRequests(reqSettings, 'bench.rr.jk', m, size, 'jetkeeper req -> jetkeeper resp'));
  } finally {
    await responder.stop();
    await respConn.close();
  }
  // nats requester -> nats responder, then jetkeeper requester -> the same nats responder
  const serve = runNats([...natsArgs(respUrl), 'bench', 'service', 'serve', 'bench.rr.nats', '--msgs', String(2 * m + 1000), '--no-progress'], 600_000);
  try {
    await waitForService(reqSettings, 'bench.rr.nats', size);
    const r = await runNats([...natsArgs(reqUrl), 'bench', 'service', 'request', 'bench.rr.nats', '--msgs', String(m), '--size', `${size}B`, '--no-progress'], 300_000).done;
    if (r.code !== 0) throw new Error(`nats bench service request failed:\n${r.out}`);
    runs.push({
      pair: 'nats req -> nats serve', msgs: m, msgsPerSec: parseRate(r.out, /requester/),
      p50Us: parseLatency(r.out, 'P50'), p90Us: parseLatency(r.out, 'P90'), p99Us: parseLatency(r.out, 'P99'), p999Us: parseLatency(r.out, 'P99.9'),
    });
    runs.push(await jetkeeperRequests(reqSettings, 'bench.rr.nats', m, size, 'jetkeeper req -> nats serve'));
  } finally {
    const pid = serve.pid();
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
    await serve.done;
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------

export async function runPipelineBench(o: ParsedOptions): Promise<BenchResult> {
  const n = intOption(o, 'pipeline-msgs', 1);
  const size = intOption(o, 'pipeline-size', 0);
  const inflight = intOption(o, 'pipeline-inflight', 1);
  const rounds = intOption(o, 'pipeline-rounds', 1);
  const m = intOption(o, 'req-msgs', 1);
  const maxMinutes = intOption(o, 'max-minutes', 1);
  natsCli();
  return withCluster(3, maxMinutes, async (c) => {
    const settings: ConnectionSettings = { servers: c.urls, timeoutMs: 30_000 };
    const admin = await JetStreamAdmin.connect(settings);
    try {
      log(`pipeline: warm-up (${Math.min(n, 10_000)} messages each)`);
      const warmUp = { n: Math.min(n, 10_000), size, inflight };
      await jetkeeperPipeline(c, settings, admin, 0, warmUp);
      await natsPipeline(c, admin, 0, warmUp);
      const runs: PipelineRun[] = [];
      for (let r = 1; r <= rounds; r++) {
        const order = r % 2 === 1 ? ['jetkeeper', 'nats'] : ['nats', 'jetkeeper'];
        for (const tool of order) {
          log(`pipeline round ${r}/${rounds}: ${tool}, ${n} messages`);
          runs.push(tool === 'jetkeeper' ? await jetkeeperPipeline(c, settings, admin, r, { n, size, inflight }) : await natsPipeline(c, admin, r, { n, size, inflight }));
        }
      }
      log(`request/reply: ${m} requests per pair, one in flight`);
      const rr = await requestReply(c, settings, m, size);

      const med = (tool: string, f: (x: PipelineRun) => number | undefined) => median(runs.filter((x) => x.tool === tool).map(f).filter((x): x is number => x !== undefined && Number.isFinite(x)));
      const jkRate = med('jetkeeper', (x) => x.msgsPerSec);
      const natsRate = med('nats', (x) => x.msgsPerSec);
      // the ratio is taken within each round (the two runs were back to back) and the median of those is
      // reported: the cluster's speed drifts over a run (disk, other load) and a ratio of medians taken
      // across rounds would mix the drift in
      const perRound = Array.from({ length: rounds }, (_, i) => {
        const jk = runs.find((x) => x.tool === 'jetkeeper' && x.round === i + 1)!;
        const nats = runs.find((x) => x.tool === 'nats' && x.round === i + 1)!;
        return jk.msgsPerSec / nats.msgsPerSec;
      });
      const pipeRatio = median(perRound);
      const jkRR = rr.find((x) => x.pair === 'jetkeeper req -> jetkeeper resp')!;
      const natsRR = rr.find((x) => x.pair === 'nats req -> nats serve')!;
      const crossRR = rr.find((x) => x.pair === 'jetkeeper req -> nats serve')!;
      const ratios: Ratio[] = [
        { name: 'pipeline throughput (jetkeeper / nats bench)', value: pipeRatio, target: `>= ${PIPELINE_TARGET.toFixed(2)}`, ok: pipeRatio >= PIPELINE_TARGET, higherIsBetter: true, note: `median of per-round ratios (${perRound.map((x) => x.toFixed(2)).join(', ')}); medians ${Math.round(jkRate)} vs ${Math.round(natsRate)} msgs/s end to end, R3 file, ${inflight} in flight` },
        { name: 'req/reply p50 (jetkeeper / nats bench)', value: jkRR.p50Us / natsRR.p50Us, note: `${(jkRR.p50Us / 1000).toFixed(3)} vs ${(natsRR.p50Us / 1000).toFixed(3)} ms; jetkeeper req -> nats serve: ${(crossRR.p50Us / 1000).toFixed(3)} ms` },
        { name: 'req/reply p99 (jetkeeper / nats bench)', value: jkRR.p99Us / natsRR.p99Us, note: `${(jkRR.p99Us / 1000).toFixed(3)} vs ${(natsRR.p99Us / 1000).toFixed(3)} ms; jetkeeper req -> nats serve: ${(crossRR.p99Us / 1000).toFixed(3)} ms` },
      ];
      const rows: string[][] = [['pipeline run', 'round', 'time', 'msgs/s end to end', 'pub msgs/s (reported)', 'sub msgs/s (reported)', 'pub p50', 'pub p99']];
      for (const x of runs) {
        rows.push([x.tool, String(x.round), fmtMs(x.ms), String(Math.round(x.msgsPerSec)), x.pubReported ? String(Math.round(x.pubReported)) : '-', x.subReported ? String(Math.round(x.subReported)) : '-', x.pubP50Ms !== undefined ? fmtMs(x.pubP50Ms) : '-', x.pubP99Ms !== undefined ? fmtMs(x.pubP99Ms) : '-']);
      }
      const rrRows: string[][] = [['request/reply (1 in flight)', 'msgs/s', 'p50', 'p90', 'p99', 'p99.9']];
      for (const x of rr) rrRows.push([x.pair, String(Math.round(x.msgsPerSec)), fmtMs(x.p50Us / 1000), fmtMs(x.p90Us / 1000), fmtMs(x.p99Us / 1000), fmtMs(x.p999Us / 1000)]);
      const text = [
        `pipeline: ${n} messages of ${size} B per run, R3 file stream on a 3-node cluster (nats-server ${c.version}), ${inflight} acked publishes in flight, ${rounds} round(s); medians`,
        table(rows),
        '',
        table(rrRows),
        '',
        ...ratios.map((x) => `${x.name}: ${fmtRatio(x.value)}${x.target ? ` (target ${x.target}: ${x.ok ? 'ok' : 'BELOW TARGET'})` : ''}  ${x.note ?? ''}`),
      ].join('\n');
      return {
        benchmark: 'pipeline',
        ok: ratios.every((x) => x.ok !== false),
        ratios,
        text,
        data: {
          environment: environment(), serverVersion: c.version, options: { n, size, inflight, rounds, reqMsgs: m },
          pipeline: runs.map((x) => ({ ...x, ms: round(x.ms), msgsPerSec: round(x.msgsPerSec, 0) })),
          medians: { jetkeeperMsgsPerSec: round(jkRate, 0), natsMsgsPerSec: round(natsRate, 0) },
          perRoundRatios: perRound.map((x) => round(x)),
          requestReply: rr.map((x) => ({ ...x, msgsPerSec: round(x.msgsPerSec, 0) })),
        },
      };
    } finally {
      await admin.close();
    }
  });
}

export const pipelineBenchmark: Benchmark = {
  name: 'pipeline',
  description: 'acked publish -> pull consumer pipeline and request/reply, jetkeeper load primitives vs `nats bench` on the same cluster',
  options: PIPELINE_OPTIONS,
  run: async (o) => {
    const r = await runPipelineBench(o);
    writeJson(join(RESULTS_DIR, 'pipeline.json'), { benchmark: r.benchmark, ok: r.ok, ratios: r.ratios, ...r.data });
    return r;
  },
};

// `node dist/bench/pipeline.js [--pipeline-msgs N ...]`
runWhenMain(pipelineBenchmark, import.meta.url);
