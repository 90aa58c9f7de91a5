/**
 * The apply benchmark. On a fresh local 3-node cluster (127.0.0.1), N R3 file streams with 2 durable
 * pull consumers each (written as jetstream.nats.io/v1beta2 manifests text) are created by:
 *
 *   a. jetkeeper cold apply: parse + validate + readLive + plan + applyPlan (concurrency C)
 *   b. the raw @nats-io/jetstream floor: jsm.streams.add / jsm.consumers.add with the plan's desired
 *      configs (identical work) and the same concurrency C (streams first, then consumers)
 *   c. raw sequential, on a sample (one request at a time)
 *   d. `nats stream add --config file.json` in a loop, on a sample (one process per stream)
 *   e. no-op plan after (a): readLive + plan with nothing to change, against the raw
 *      "list all infos" floor (jsm.streams.list() + jsm.consumers.list(stream), concurrency C)
 *
 * Every phase starts from an empty cluster (all streams deleted, and the servers report 0 streams and
 * 0 consumers). (a) and (b) alternate their order across rounds. Run alone: `node dist/bench/apply.js
 * --streams 100`, or through `npm run bench`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type ConsumerConfig, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyPlan } from '../src/apply/apply.js';
import { parseManifests } from '../src/manifests/load.js';
import { validateDocuments, type Resource } from '../src/manifests/validate.js';
import { JetStreamAdmin, openConnection } from '../src/nats/admin.js';
import type { ConnectionSettings } from '../src/nats/settings.js';
import { readJsz } from '../src/nats/monitor.js';
import { sleep } from '../src/nats/retry.js';
import { plan, summarize, type Plan } from '../src/plan/plan.js';
import type { LocalCluster } from '../src/local/cluster.js';
import {
  benchCacheDir, cpuMeter, environment, fmtMs, fmtRatio, intOption, log, median, now, pool, round, runWhenMain, table,
  withCluster, writeJson, RESULTS_DIR, type Benchmark, type BenchResult, type CpuSample, type OptionSpecs, type ParsedOptions, type Ratio,
} from './lib.js';

export const APPLY_OPTIONS: OptionSpecs = {
  streams: { type: 'string', default: '1000', description: 'streams to create (each with 2 consumers)' },
  concurrency: { type: 'string', default: '16', description: 'requests in flight for apply, the raw floor and list-all' },
  rounds: { type: 'string', default: '3', description: 'measured rounds of (a) and (b), alternating their order; medians reported' },
  'noop-rounds': { type: 'string', default: '5', description: 'measured repeats of the no-op plan and list-all after each (a)' },
  'warmup-streams': { type: 'string', default: '50', description: 'size of the warm-up round of (a) and (b) (0: none)' },
  'sequential-sample': { type: 'string', default: '50', description: 'streams in the sequential sample (plus 2 consumers each)' },
  'cli-sample': { type: 'string', default: '50', description: 'streams in the `nats stream add` sample (0: skip)' },
  'max-minutes': { type: 'string', default: '40', description: 'overall deadline: the cluster is stopped and the run aborted after it' },
};

const OWNER = 'default';

// ---------------------------------------------------------------------------------------------
// manifests

const pad = (i: number) => String(i).padStart(4, '0');

/** N streams + 2N consumers as multi-document YAML (what a user would keep in a repo). */
export function generateManifests(n: number, prefix = 'BENCH'): string {
  const lower = prefix.toLowerCase();
  const docs: string[] = [];
  for (let i = 1; i <= n; i++) {
    const id = pad(i);
    const stream = `${prefix}_${id}`;
    docs.push([
      'apiVersion: jetstream.nats.io/v1beta2',
      'kind: Stream',
      'metadata:',
      `  name: ${lower}-${id}`,
      'spec:',
      `  name: ${stream}`,
      `  subjects: ["${lower}.${id}.>"]`,
      '  storage: file',
      '  replicas: 3',
      '  retention: limits',
      '  maxAge: 24h',
      '  discard: old',
    ].join('\n'));
    for (const c of ['a', 'b']) {
      docs.push([
        'apiVersion: jetstream.nats.io/v1beta2',
        'kind: Consumer',
        'metadata:',
        `  name: ${lower}-${id}-${c}`,
        'spec:',
        `  streamName: ${stream}`,
        `  durableName: pull-${c}`,
        `  filterSubject: ${lower}.${id}.${c}`,
        '  deliverPolicy: all',
        '  ackPolicy: explicit',
        '  ackWait: 30s',
        '  maxDeliver: 5',
      ].join('\n'));
    }
  }
  return docs.join('\n---\n') + '\n';
}

function loadResources(text: string): Resource[] {
  const v = validateDocuments(parseManifests(text, 'bench.yaml'));
  if (v.errors.length) throw new Error(`generated manifests do not validate: ${v.errors[0]!.message}`);
  return v.resources;
}

interface Work {
  streams: StreamConfig[];
  consumers: { stream: string; config: ConsumerConfig }[];
}

/** The configs jetkeeper sends for a cold apply (the plan's desired configs), for the raw phases. */
function workOf(p: Plan): Work {
  const w: Work = { streams: [], consumers: [] };
  for (const c of p.changes) {
    if (c.action !== 'create' || !c.desired) throw new Error(`cold plan holds ${c.action} ${c.key}`);
    if (c.target.type === 'stream') w.streams.push(c.desired as unknown as StreamConfig);
    else w.consumers.push({ stream: c.target.stream, config: c.desired as unknown as ConsumerConfig });
  }
  return w;
}

function sampleOf(w: Work, streams: number): Work {
  const s = w.streams.slice(0, streams);
  const names = new Set(s.map((c) => c.name));
  return { streams: s, consumers: w.consumers.filter((c) => names.has(c.stream)) };
}

const cloneWork = (w: Work): Work => structuredClone(w);

// ---------------------------------------------------------------------------------------------
// cluster state

interface Conns {
  cluster: LocalCluster;
  url: string;
  settings: ConnectionSettings;
  admin: JetStreamAdmin;
  rawNc: NatsConnection;
  raw: JetStreamManager;
}

async function jszCounts(cluster: LocalCluster): Promise<{ streams: number; consumers: number }[]> {
  return Promise.all(cluster.servers.map(async (s) => {
    const j = await readJsz(s.monitorUrl, { timeoutMs: 5_000 });
    return { streams: j.streams ?? 0, consumers: j.consumers ?? 0 };
  }));
}

/** Deletes every stream, then waits until every server reports 0 streams and 0 consumers. Not timed. */
async function clean(c: Conns, concurrency: number): Promise<void> {
  const t0 = now();
  let lastError = '';
  for (let attempt = 1; ; attempt++) {
    const names: string[] = [];
    for await (const n of c.raw.streams.names()) names.push(n);
    if (names.length === 0) break;
    if (attempt > 10) throw new Error(`clean: ${names.length} streams left after 10 rounds of deletes; last error: ${lastError}`);
    if (attempt > 1) {
      log(`  clean: ${names.length} stream(s) left (${lastError}); deleting again`);
      await sleep(1_000 * attempt);
    }
    await pool(names, concurrency, async (n) => {
      await c.raw.streams.delete(n).catch((e: unknown) => {
        lastError = String((e as Error).message ?? e); // retried by the next round
      });
    });
  }
  const deadline = Date.now() + 180_000;
  for (;;) {
    const counts = await jszCounts(c.cluster);
    if (counts.every((x) => x.streams === 0 && x.consumers === 0)) break;
    if (Date.now() > deadline) throw new Error(`clean: servers still report ${JSON.stringify(counts)} after 180 s`);
    await sleep(200);
  }
  await sleep(1_000); // let the servers finish removing stores before the next timed phase
  log(`  cleaned in ${fmtMs(now() - t0)}`);
}

async function expectCounts(c: Conns, streams: number, consumers: number, what: string): Promise<void> {
  const ai = await c.raw.getAccountInfo();
  if (ai.streams !== streams || ai.consumers !== consumers) {
    throw new Error(`${what}: account has ${ai.streams} streams / ${ai.consumers} consumers, expected ${streams} / ${consumers}`);
  }
}

// ---------------------------------------------------------------------------------------------
// (a) jetkeeper cold apply

interface ApplyTiming {
  totalMs: number;
  parseMs: number;
  validateMs: number;
  readLiveMs: number;
  planMs: number;
  applyMs: number;
  /** applyPlan start -> first consumer request started */
  streamPhaseMs: number;
  consumerPhaseMs: number;
  writes: number;
  retries: number;
  retryMessages: string[];
  /** CPU used meanwhile by us (client + our 3 servers) and by everything else on the machine */
  cpu?: CpuSample;
}

async function jetkeeperApply(c: Conns, text: string, concurrency: number, expect: number): Promise<{ timing: ApplyTiming; resources: Resource[] }> {
  let retries = 0;
  const retryMessages: string[] = [];
  let firstConsumer: number | undefined;
  const meter = cpuMeter(c.cluster.servers.map((s) => s.pid));
  const t0 = now();
  const docs = parseManifests(text, 'bench.yaml');
  const t1 = now();
  const v = validateDocuments(docs);
  if (v.errors.length) throw new Error(`validate: ${v.errors[0]!.format()}`);
  const t2 = now();
  const live = await c.admin.readLive({ concurrency });
  const t3 = now();
  const p = plan(v.resources, live, { owner: OWNER, prune: false });
  const t4 = now();
  const r = await applyPlan(p, c.admin, {
    concurrency,
    onProgress: (e) => {
      if (e.status === 'retry') {
        retries++;
        if (retryMessages.length < 5) retryMessages.push(`${e.key}: ${e.message}`);
      }
      if (e.status === 'start' && firstConsumer === undefined && e.key.startsWith('Consumer/')) firstConsumer = now();
    },
  });
  const t5 = now();
  const cpu = meter.stop();
  if (!r.ok) {
    const bad = r.items.filter((i) => !i.ok);
    throw new Error(`apply failed for ${bad.length} item(s), first: ${bad[0]?.error?.format()}`);
  }
  if (r.writes !== expect) throw new Error(`apply sent ${r.writes} writes, expected ${expect}`);
  const split = firstConsumer ?? t5;
  return {
    resources: v.resources,
    timing: {
      totalMs: t5 - t0, parseMs: t1 - t0, validateMs: t2 - t1, readLiveMs: t3 - t2, planMs: t4 - t3, applyMs: t5 - t4,
      streamPhaseMs: split - t4, consumerPhaseMs: t5 - split, writes: r.writes, retries, retryMessages, cpu,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (b), (c) raw client

interface RawTiming {
  totalMs: number;
  streamsMs: number;
  consumersMs: number;
  ops: number;
  errors: number;
  firstError?: string;
  cpu?: CpuSample;
}

async function rawCreate(jsm: JetStreamManager, work: Work, concurrency: number, pids: readonly number[]): Promise<RawTiming> {
  const w = cloneWork(work); // the client may touch the configs: give it its own copy, outside the timing
  let errors = 0;
  let firstError: string | undefined;
  const fail = (e: unknown) => {
    errors++;
    firstError ??= String((e as Error).message ?? e);
  };
  const meter = cpuMeter(pids);
  const t0 = now();
  await pool(w.streams, concurrency, async (s) => {
    await jsm.streams.add(s).catch(fail);
  });
  const t1 = now();
  await pool(w.consumers, concurrency, async (x) => {
    await jsm.consumers.add(x.stream, x.config).catch(fail);
  });
  const t2 = now();
  const cpu = meter.stop();
  return { totalMs: t2 - t0, streamsMs: t1 - t0, consumersMs: t2 - t1, ops: w.streams.length + w.consumers.length, errors, firstError, cpu };
}

// ---------------------------------------------------------------------------------------------
// (d) nats CLI

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { timeout: 30_000, env: { ...process.env, NATS_CONTEXT: '' } }, (err, _stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr}`.trim()));
      else res();
    });
  });
}

interface CliTiming {
  totalMs: number;
  ops: number;
  perOpMs: number;
  /** one `nats --version`: process start cost, for context */
  processStartMs: number;
}

async function cliLoop(cli: string, url: string, streams: StreamConfig[]): Promise<CliTiming> {
  const dir = mkdtempSync(join(tmpdir(), 'jetkeeper-bench-cli-'));
  try {
    const files = streams.map((s) => {
      const f = join(dir, `${s.name}.json`);
      writeFileSync(f, JSON.stringify(s));
      return f;
    });
    const v0 = now();
    await run(cli, ['--version']);
    const processStartMs = now() - v0;
    const t0 = now();
    for (const f of files) await run(cli, ['--server', url, 'stream', 'add', '--config', f, '--json']);
    const totalMs = now() - t0;
    return { totalMs, ops: files.length, perOpMs: totalMs / Math.max(1, files.length), processStartMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// (e) no-op plan vs list all infos

interface NoopSample {
  planTotalMs: number;
  readLiveMs: number;
  planMs: number;
  rawMs: number;
  rawStreamsMs: number;
  rawConsumersMs: number;
}

async function noopPlan(c: Conns, resources: Resource[], concurrency: number, expectChanges: number): Promise<{ readLiveMs: number; planMs: number }> {
  const w0 = c.admin.writes;
  const t0 = now();
  const live = await c.admin.readLive({ concurrency });
  const t1 = now();
  const p = plan(resources, live, { owner: OWNER, prune: false });
  const t2 = now();
  const writes = c.admin.writes - w0;
  const s = summarize(p);
  if (writes !== 0) throw new Error(`no-op plan sent ${writes} write requests`);
  if (p.changes.length !== expectChanges || s.noop !== expectChanges) {
    throw new Error(`no-op plan is not all noop: ${JSON.stringify(s)} of ${p.changes.length} (expected ${expectChanges} noop); first: ${JSON.stringify(p.changes.find((x) => x.action !== 'noop')?.fields)}`);
  }
  return { readLiveMs: t1 - t0, planMs: t2 - t1 };
}

async function listAllInfos(jsm: JetStreamManager, concurrency: number, expectStreams: number, expectConsumers: number): Promise<{ streamsMs: number; consumersMs: number }> {
  const t0 = now();
  const streams: string[] = [];
  for await (const si of jsm.streams.list()) streams.push(si.config.name);
  const t1 = now();
  let consumers = 0;
  await pool(streams, concurrency, async (name) => {
    for await (const _ci of jsm.consumers.list(name)) consumers++;
  });
  const t2 = now();
  if (streams.length !== expectStreams || consumers !== expectConsumers) {
    throw new Error(`list-all saw ${streams.length} streams / ${consumers} consumers, expected ${expectStreams} / ${expectConsumers}`);
  }
  return { streamsMs: t1 - t0, consumersMs: t2 - t1 };
}

async function noopRounds(c: Conns, resources: Resource[], concurrency: number, rounds: number, n: number): Promise<NoopSample[]> {
  const out: NoopSample[] = [];
  for (let i = 0; i <= rounds; i++) { // round 0 is the warm-up
    const jkFirst = i % 2 === 0;
    let jk = { readLiveMs: 0, planMs: 0 };
    let raw = { streamsMs: 0, consumersMs: 0 };
    for (const which of jkFirst ? ['jk', 'raw'] : ['raw', 'jk']) {
      if (which === 'jk') jk = await noopPlan(c, resources, concurrency, 3 * n);
      else raw = await listAllInfos(c.raw, concurrency, n, 2 * n);
    }
    if (i === 0) continue;
    out.push({
      planTotalMs: jk.readLiveMs + jk.planMs, readLiveMs: jk.readLiveMs, planMs: jk.planMs,
      rawMs: raw.streamsMs + raw.consumersMs, rawStreamsMs: raw.streamsMs, rawConsumersMs: raw.consumersMs,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the benchmark

const foreign = (cpu: CpuSample | undefined) => (cpu ? `; CPU: ours ${cpu.oursS} s, other processes ${cpu.foreignS} s` : '');

/** The number fields of T. */
type NumberField<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];

/** The median of each of the `fields` over `runs`, in that order. */
function medians<T, K extends NumberField<T>>(runs: readonly T[], fields: readonly K[]): Record<K, number> {
  return Object.fromEntries(fields.map((f) => [f, median(runs.map((x) => x[f] as number))])) as Record<K, number>;
}

/** A warm-up round of (a) and (b) on `warmN` streams, not measured. */
async function warmUp(c: Conns, warmText: string, warmN: number, concurrency: number, pids: readonly number[]): Promise<void> {
  log(`warm-up: ${warmN} streams through (a) and (b)`);
  const warmWork = workOf(plan(loadResources(warmText), { serverVersion: c.admin.serverVersion, streams: [], consumers: [] }, { owner: OWNER, prune: false }));
  await jetkeeperApply(c, warmText, concurrency, 3 * warmN);
  await clean(c, concurrency);
  await rawCreate(c.raw, warmWork, concurrency, pids);
  await clean(c, concurrency);
}

interface RoundsInput { text: string; work: Work; ops: number; n: number; concurrency: number; rounds: number; nNoop: number; pids: readonly number[] }

/** The measured rounds: (a) jetkeeper cold apply then (e) no-op plans, and (b) the raw floor, in alternating order. */
async function measureRounds(c: Conns, r: RoundsInput): Promise<{ applyRuns: ApplyTiming[]; rawRuns: RawTiming[]; noop: NoopSample[] }> {
  const { n, rounds, concurrency } = r;
  const applyRuns: ApplyTiming[] = [];
  const rawRuns: RawTiming[] = [];
  const noop: NoopSample[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const which of round % 2 === 1 ? ['a', 'b'] : ['b', 'a']) {
      if (which === 'a') {
        log(`round ${round}/${rounds} (a) jetkeeper cold apply`);
        const { timing, resources } = await jetkeeperApply(c, r.text, concurrency, r.ops);
        applyRuns.push(timing);
        log(`  ${fmtMs(timing.totalMs)} (apply ${fmtMs(timing.applyMs)}, ${timing.retries} retries${foreign(timing.cpu)})`);
        await expectCounts(c, n, 2 * n, 'after (a)');
        log(`round ${round}/${rounds} (e) no-op plan vs list-all infos, ${r.nNoop} repeat(s)`);
        noop.push(...(await noopRounds(c, resources, concurrency, r.nNoop, n)));
      } else {
        log(`round ${round}/${rounds} (b) raw concurrent floor`);
        const t = await rawCreate(c.raw, r.work, concurrency, r.pids);
        rawRuns.push(t);
        log(`  ${fmtMs(t.totalMs)}, ${t.errors} error(s)${t.firstError ? `, first: ${t.firstError}` : ''}${foreign(t.cpu)}`);
        if (t.errors === 0) await expectCounts(c, n, 2 * n, 'after (b)');
      }
      await clean(c, concurrency);
    }
  }
  return { applyRuns, rawRuns, noop };
}

/** (c) a sample created one request at a time. */
async function sequentialSample(c: Conns, work: Work, seqN: number, concurrency: number, pids: readonly number[]): Promise<RawTiming> {
  log(`(c) raw sequential sample: ${seqN} streams + ${2 * seqN} consumers`);
  const seq = await rawCreate(c.raw, sampleOf(work, seqN), 1, pids);
  log(`  ${fmtMs(seq.totalMs)}, ${seq.errors} error(s)`);
  await clean(c, concurrency);
  return seq;
}

/** (d) a sample of `nats stream add --config`, one process each. */
async function cliSample(c: Conns, cli: string, work: Work, cliN: number, concurrency: number): Promise<CliTiming> {
  log(`(d) nats CLI sample: ${cliN} × nats stream add --config`);
  const t = await cliLoop(cli, c.url, sampleOf(work, cliN).streams);
  log(`  ${fmtMs(t.totalMs)}`);
  await expectCounts(c, cliN, 0, 'after (d)');
  await clean(c, concurrency);
  return t;
}

export async function runApplyBench(o: ParsedOptions): Promise<BenchResult> {
  const n = intOption(o, 'streams', 1);
  const concurrency = intOption(o, 'concurrency', 1);
  const rounds = intOption(o, 'rounds', 1);
  const nNoop = intOption(o, 'noop-rounds', 1);
  const warmN = Math.min(intOption(o, 'warmup-streams', 0), n);
  const seqN = Math.min(intOption(o, 'sequential-sample', 0), n);
  const cliN = Math.min(intOption(o, 'cli-sample', 0), n);
  const maxMinutes = intOption(o, 'max-minutes', 1);
  const cli = join(benchCacheDir(), 'bin', 'nats');
  const haveCli = existsSync(cli);

  log(`apply benchmark: ${n} R3 streams + ${2 * n} consumers, concurrency ${concurrency}, ${rounds} round(s)`);
  const text = generateManifests(n);
  const warmText = warmN > 0 ? generateManifests(warmN, 'WARM') : '';

  return withCluster(3, maxMinutes, async (cluster) => {
    const url = cluster.urls[0]!;
    const settings: ConnectionSettings = { servers: [url], name: 'jetkeeper-bench' };
    const admin = await JetStreamAdmin.connect(settings);
    const rawNc = await openConnection({ ...settings, name: 'raw-floor' });
    const raw = await jetstreamManager(rawNc, { timeout: 10_000 });
    const c: Conns = { cluster, url, settings, admin, rawNc, raw };
    const pids = cluster.servers.map((s) => s.pid);
    try {
      log(`cluster up: nats-server ${cluster.version}, clients on ${url}`);
      // the exact configs jetkeeper sends, from a plan against the empty cluster
      const coldPlan = plan(loadResources(text), { serverVersion: admin.serverVersion, streams: [], consumers: [] }, { owner: OWNER, prune: false });
      const work = workOf(coldPlan);
      const ops = work.streams.length + work.consumers.length;

      if (warmN > 0) await warmUp(c, warmText, warmN, concurrency, pids);
      const { applyRuns, rawRuns, noop } = await measureRounds(c, { text, work, ops, n, concurrency, rounds, nNoop, pids });
      const seq = seqN > 0 ? await sequentialSample(c, work, seqN, concurrency, pids) : undefined;
      let cliT: CliTiming | undefined;
      if (cliN > 0 && haveCli) cliT = await cliSample(c, cli, work, cliN, concurrency);
      else if (cliN > 0) log(`(d) skipped: no nats CLI at ${cli} (node scripts/install-nats.mjs installs it)`);

      return report({ n, concurrency, rounds, nNoop, warmN, seqN, cliN, ops, version: cluster.version, applyRuns, rawRuns, seq, cliT, noop, cli: haveCli ? cli : undefined });
    } finally {
      await admin.close().catch(() => undefined);
      await rawNc.close().catch(() => undefined);
    }
  });
}

interface Measured {
  n: number; concurrency: number; rounds: number; nNoop: number; warmN: number; seqN: number; cliN: number; ops: number;
  version: string; applyRuns: ApplyTiming[]; rawRuns: RawTiming[]; seq?: RawTiming; cliT?: CliTiming; noop: NoopSample[]; cli?: string;
}

/** The medians and the per-op rates the report is made of. */
function derive(m: Measured) {
  const a = {
    ...medians(m.applyRuns, ['totalMs', 'parseMs', 'validateMs', 'readLiveMs', 'planMs', 'applyMs', 'streamPhaseMs', 'consumerPhaseMs']),
    retries: m.applyRuns.reduce((s, x) => s + x.retries, 0),
  };
  const b = {
    ...medians(m.rawRuns, ['totalMs', 'streamsMs', 'consumersMs']),
    errors: m.rawRuns.reduce((s, x) => s + x.errors, 0),
  };
  const e = medians(m.noop, ['planTotalMs', 'readLiveMs', 'planMs', 'rawMs', 'rawStreamsMs', 'rawConsumersMs']);
  const n = m.n;
  const perStreamApply = a.streamPhaseMs / n;
  const perOpApply = a.totalMs / m.ops;
  const seqStreamOp = m.seq ? m.seq.streamsMs / m.seqN : NaN;
  const seqConsumerOp = m.seq ? m.seq.consumersMs / (2 * m.seqN) : NaN;
  const seqEstimateMs = seqStreamOp * n + seqConsumerOp * 2 * n;
  const cliOp = m.cliT?.perOpMs ?? NaN;

  const applyRatio = a.totalMs / b.totalMs;
  const paired = m.applyRuns.map((x, i) => (m.rawRuns[i] ? x.totalMs / m.rawRuns[i]!.totalMs : NaN)).filter(Number.isFinite);
  const noopRatio = e.planTotalMs / e.rawMs;
  return { a, b, e, n, perStreamApply, perOpApply, seqStreamOp, seqConsumerOp, seqEstimateMs, cliOp, applyRatio, paired, noopRatio };
}

type Derived = ReturnType<typeof derive>;

/** The ratios against the baselines, with their targets. */
function ratiosOf(m: Measured, d: Derived): Ratio[] {
  const { a, b, n, applyRatio, paired, noopRatio, seqEstimateMs, cliOp, perStreamApply } = d;
  return [
    { name: 'cold apply / raw concurrent floor', value: round(applyRatio), target: '<= 1.10', ok: applyRatio <= 1.1, note: `${n} streams + ${2 * n} consumers, concurrency ${m.concurrency}; median of ${m.applyRuns.length} vs median of ${m.rawRuns.length}; per-round ratios ${paired.map((x) => x.toFixed(2)).join(', ')}` },
    { name: 'applyPlan only / raw concurrent floor', value: round(a.applyMs / b.totalMs), note: 'without parse/validate/readLive/plan (diagnostic)' },
    { name: 'no-op plan / raw list-all infos', value: round(noopRatio), target: '<= 1.50', ok: noopRatio <= 1.5, note: `readLive+plan over ${n} streams + ${2 * n} consumers` },
    { name: 'raw sequential (extrapolated) / cold apply', value: round(seqEstimateMs / a.totalMs), higherIsBetter: true, note: `speed-up of apply; sequential rate from a sample of ${m.seqN} streams + ${2 * m.seqN} consumers` },
    { name: 'nats CLI per stream / apply per stream', value: round(cliOp / perStreamApply), higherIsBetter: true, note: `speed-up of apply's stream phase; CLI rate from a sample of ${m.cliN} \`nats stream add\`` },
  ];
}

/** The measurement table. */
function measurementRows(m: Measured, d: Derived): string[][] {
  const { a, b, e, n, perOpApply, perStreamApply, seqStreamOp, seqConsumerOp, seqEstimateMs, cliOp } = d;
  const foreignMedian = (xs: readonly { cpu?: CpuSample }[]) => median(xs.map((x) => x.cpu?.foreignS ?? NaN).filter(Number.isFinite));
  const spread = (xs: readonly number[]) => (xs.length > 1 ? `, range ${fmtMs(Math.min(...xs))}–${fmtMs(Math.max(...xs))}` : '');
  return [
    ['measurement', 'time', 'per op', 'note'],
    [`(a) jetkeeper cold apply`, fmtMs(a.totalMs), fmtMs(perOpApply), `${m.ops} creates, C=${m.concurrency}, median of ${m.applyRuns.length}${spread(m.applyRuns.map((x) => x.totalMs))}, ${a.retries} retries, foreign CPU ${round(foreignMedian(m.applyRuns), 1)} s`],
    ['    parse', fmtMs(a.parseMs), '', ''],
    ['    validate', fmtMs(a.validateMs), '', ''],
    ['    readLive (empty)', fmtMs(a.readLiveMs), '', ''],
    ['    plan', fmtMs(a.planMs), '', ''],
    ['    applyPlan', fmtMs(a.applyMs), '', ''],
    ['      streams', fmtMs(a.streamPhaseMs), fmtMs(perStreamApply), `${n} streams`],
    ['      consumers', fmtMs(a.consumerPhaseMs), fmtMs(a.consumerPhaseMs / (2 * n)), `${2 * n} consumers`],
    [`(b) raw concurrent floor`, fmtMs(b.totalMs), fmtMs(b.totalMs / m.ops), `same configs, C=${m.concurrency}, median of ${m.rawRuns.length}${spread(m.rawRuns.map((x) => x.totalMs))}, foreign CPU ${round(foreignMedian(m.rawRuns), 1)} s${b.errors ? `, ${b.errors} ERRORS` : ''}`],
    ['      streams', fmtMs(b.streamsMs), fmtMs(b.streamsMs / n), ''],
    ['      consumers', fmtMs(b.consumersMs), fmtMs(b.consumersMs / (2 * n)), ''],
    [`(c) raw sequential SAMPLE`, m.seq ? fmtMs(m.seq.totalMs) : 'skipped', m.seq ? fmtMs(m.seq.totalMs / (3 * m.seqN)) : '', `sample: ${m.seqN} streams + ${2 * m.seqN} consumers, one at a time${m.seq?.errors ? `, ${m.seq.errors} ERRORS` : ''}`],
    ['      streams', m.seq ? fmtMs(m.seq.streamsMs) : '', fmtMs(seqStreamOp), ''],
    ['      consumers', m.seq ? fmtMs(m.seq.consumersMs) : '', fmtMs(seqConsumerOp), ''],
    ['    extrapolated to full set', fmtMs(seqEstimateMs), '', `${n} × stream rate + ${2 * n} × consumer rate (estimate, not measured)`],
    [`(d) nats CLI SAMPLE`, m.cliT ? fmtMs(m.cliT.totalMs) : 'skipped', fmtMs(cliOp), m.cliT ? `sample: ${m.cliN} × nats stream add --config (process start alone: ${fmtMs(m.cliT.processStartMs)})` : ''],
    [`(e) no-op plan`, fmtMs(e.planTotalMs), '', `readLive+plan, median of ${m.noop.length}; 0 writes, ${3 * n}/${3 * n} noop (checked)`],
    ['    readLive', fmtMs(e.readLiveMs), '', ''],
    ['    plan', fmtMs(e.planMs), '', ''],
    ['    raw list-all infos', fmtMs(e.rawMs), '', `streams.list ${fmtMs(e.rawStreamsMs)} + consumers.list×${n} ${fmtMs(e.rawConsumersMs)}, C=${m.concurrency}`],
  ];
}

/** The report: tables, ratios and the data behind them. */
function report(m: Measured): BenchResult {
  const d = derive(m);
  const { a, b, e, n, seqStreamOp, seqConsumerOp, seqEstimateMs, paired } = d;
  const cores = Number(environment().cpus) || 1;
  const runs = [...m.applyRuns.map((x) => ({ what: '(a)', ms: x.totalMs, cpu: x.cpu })), ...m.rawRuns.map((x) => ({ what: '(b)', ms: x.totalMs, cpu: x.cpu }))];
  const noisy = runs.filter((r) => r.cpu && r.cpu.foreignS > 0.05 * (r.ms / 1000) * cores);
  const ratios = ratiosOf(m, d);
  const rows = measurementRows(m, d);
  const ratioRows: string[][] = [
    ['ratio', 'value', 'target', 'status'],
    ...ratios.map((r) => [r.name, fmtRatio(r.value), r.target ?? (r.higherIsBetter ? '(higher is better)' : ''), r.ok === undefined ? '' : r.ok ? 'ok' : 'ABOVE TARGET']),
  ];
  const text = [
    `apply benchmark — nats-server ${m.version}, 3-node cluster on 127.0.0.1, ${environment().cpus} CPU(s), node ${process.version}`,
    '',
    table(rows),
    '',
    table(ratioRows),
    ...(noisy.length
      ? ['', `note: other processes on this machine used > 5% of its CPU during ${noisy.length} of ${runs.length} measured runs of (a)/(b) ` +
          `(${noisy.map((r) => `${r.what} ${r.cpu!.foreignS} CPU-s`).join(', ')}); the machine was shared, so ratios are noisy: compare the per-round ratios and rerun on a quiet machine or with more --rounds.`]
      : []),
  ].join('\n');

  const data = {
    params: { streams: n, consumers: 2 * n, concurrency: m.concurrency, rounds: m.rounds, noopRounds: m.nNoop, warmupStreams: m.warmN, sequentialSample: m.seqN, cliSample: m.cliN },
    environment: { ...environment(), natsServer: m.version, natsCli: m.cli },
    medians: { apply: a, raw: b, noop: e, sequentialEstimateMs: seqEstimateMs },
    pairedApplyRatios: paired,
    noisyRuns: noisy.map((r) => ({ phase: r.what, ms: r.ms, cpu: r.cpu })),
    runs: { apply: m.applyRuns, raw: m.rawRuns, noop: m.noop },
    sequentialSample: m.seq ? { ...m.seq, streamOpMs: seqStreamOp, consumerOpMs: seqConsumerOp } : undefined,
    cliSample: m.cliT,
  };
  const bad = b.errors > 0 || (m.seq?.errors ?? 0) > 0;
  return { benchmark: 'apply', ok: !bad, ratios, text, data };
}

export const applyBenchmark: Benchmark = {
  name: 'apply',
  description: 'cold apply of N R3 streams + 2N consumers vs the raw client floor; no-op plan vs list-all',
  options: APPLY_OPTIONS,
  run: async (o) => {
    const r = await runApplyBench(o);
    writeJson(join(RESULTS_DIR, 'apply.json'), { benchmark: r.benchmark, ok: r.ok, ratios: r.ratios, ...r.data });
    return r;
  },
};

// `node dist/bench/apply.js [--streams N ...]`
runWhenMain(applyBenchmark, import.meta.url);
