/**
 * The reconcile core at scale, on a 3-server cluster holding N R3 streams and 2N consumers, all
 * declared and applied by jetkeeper:
 *
 *   a. reconcile of one changed stream among the 3N declared (`only`), vs one raw
 *      `jsm.streams.update` of the same stream: time and JetStream API requests (counted on the
 *      server by a `$JS.API.>` subscription on another connection);
 *   b. a no-op reconcile of all 3N in plan mode, vs the raw floor of listing every stream and
 *      every stream's consumers;
 *   c. `plan()` alone over the 3N declared resources against their live state (pure, no I/O).
 *
 *   npm run bench -- --only reconcile --streams 1000
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { parseManifests } from '../src/manifests/load.js';
import { validateDocuments, type Resource } from '../src/manifests/validate.js';
import { JetStreamAdmin } from '../src/nats/admin.js';
import { plan } from '../src/plan/plan.js';
import { reconcile, type ReconcileInput } from '../src/reconcile/reconcile.js';
import { generateManifests } from './apply.js';
import {
  benchResult, fmtMs, fmtRatio, intOption, log, median, now, pool, round, runWhenMain, table, withCluster,
  type Benchmark, type BenchResult, type OptionSpecs, type ParsedOptions, type Ratio,
} from './lib.js';
import { join } from 'node:path';

const OPTIONS: OptionSpecs = {
  streams: { type: 'string', default: '1000', description: 'streams to create (each with 2 consumers)' },
  concurrency: { type: 'string', default: '16', description: 'requests in flight for apply, the raw floor and list-all' },
  'noop-rounds': { type: 'string', default: '5', description: 'measured repeats of each measurement; medians reported' },
  'max-minutes': { type: 'string', default: '40', description: 'overall deadline: the cluster is stopped and the run aborted after it' },
};

const OWNER = 'default';

function resourcesOf(text: string): Resource[] {
  const v = validateDocuments(parseManifests(text, 'bench.yaml'));
  if (v.errors.length) throw new Error(`validate: ${v.errors[0]!.format()}`);
  return v.resources;
}

/** Runs `fn` and returns its time and the JetStream API requests the server saw meanwhile. */
async function measured(spy: NatsConnection, fn: () => Promise<void>): Promise<{ ms: number; requests: number }> {
  const sub = spy.subscribe('$JS.API.>');
  let requests = 0;
  const counting = (async () => { for await (const _m of sub) requests++; })();
  await spy.flush();
  const t0 = now();
  await fn();
  const ms = now() - t0;
  await spy.flush();
  sub.unsubscribe();
  await counting;
  return { ms, requests };
}

/** Lists every stream and every stream's consumers with the raw client: the floor of a whole-account read. */
async function rawListAll(jsm: JetStreamManager, concurrency: number): Promise<void> {
  const names: string[] = [];
  for await (const si of jsm.streams.list()) names.push(si.config.name);
  await pool(names, concurrency, async (name) => { for await (const _c of jsm.consumers.list(name)) { /* read */ } });
}

interface Measures {
  /** with a connection of its own (connect + JetStream INFO included) */
  one: { ms: number; requests: number }[];
  /** on a connection kept open across runs, as a controller does */
  oneWarm: { ms: number; requests: number }[];
  rawOne: { ms: number; requests: number }[];
  noop: number[];
  rawList: number[];
  planMs: number[];
}

async function measure(servers: string[], n: number, rounds: number, concurrency: number): Promise<Measures> {
  const text = generateManifests(n);
  const declared = resourcesOf(text);
  const base: Omit<ReconcileInput, 'mode'> = { resources: declared, connection: { servers, timeoutMs: 60_000 }, owner: OWNER, concurrency };
  log(`applying ${n} R3 streams + ${2 * n} consumers`);
  const applied = await reconcile({ ...base, mode: 'apply' });
  if (!applied.ok) throw new Error(`setup apply failed: ${JSON.stringify(applied.groups[0]?.outcomes.find((o) => o.result !== 'applied'))}`);
  const spy = await connect({ servers });
  const raw = await connect({ servers });
  const admin = await JetStreamAdmin.connect({ servers, timeoutMs: 60_000 });
  try {
    const jsm = await jetstreamManager(raw);
    const m: Measures = { one: [], oneWarm: [], rawOne: [], noop: [], rawList: [], planMs: [] };
    const warm = { ...base, connect: async () => admin };
    // the raw baseline updates a stream of its own (same config as a declared one), so the declared set stays in sync
    const template = (await jsm.streams.info('BENCH_0008')).config;
    await jsm.streams.add({ ...template, name: 'RAW_ONE', subjects: ['raw.one.>'], metadata: {} });
    const live = await admin.readLive({ concurrency });
    for (let r = 0; r < rounds; r++) {
      const changed = resourcesOf(text.replace('  name: BENCH_0007\n', `  name: BENCH_0007\n  description: round ${r}\n`));
      m.one.push(await measured(spy, async () => {
        const res = await reconcile({ ...base, resources: changed, only: ['Stream/BENCH_0007'], mode: 'apply' });
        if (!res.ok || res.writes !== 1) throw new Error(`one-change reconcile: ok ${res.ok}, ${res.writes} writes: ${JSON.stringify(res.groups[0]?.outcomes)}`);
      }));
      const warmChanged = resourcesOf(text.replace('  name: BENCH_0007\n', `  name: BENCH_0007\n  description: warm ${r}\n`));
      m.oneWarm.push(await measured(spy, async () => {
        const res = await reconcile({ ...warm, resources: warmChanged, only: ['Stream/BENCH_0007'], mode: 'apply' });
        if (!res.ok || res.writes !== 1) throw new Error(`one-change reconcile: ok ${res.ok}, ${res.writes} writes`);
      }));
      m.rawOne.push(await measured(spy, async () => {
        const si = await jsm.streams.info('RAW_ONE');
        await jsm.streams.update('RAW_ONE', { ...si.config, description: `raw round ${r}` });
      }));
      let t = now();
      const noop = await reconcile({ ...warm, resources: warmChanged, mode: 'plan', read: 'all' });
      m.noop.push(now() - t);
      if (noop.groups[0]?.plan?.changes.some((c) => c.action !== 'noop')) throw new Error('no-op reconcile planned changes');
      t = now();
      await rawListAll(jsm, concurrency);
      m.rawList.push(now() - t);
      t = now();
      plan(declared, live, { owner: OWNER, prune: false });
      m.planMs.push(now() - t);
    }
    return m;
  } finally {
    await Promise.all([spy.close(), raw.close(), admin.close()]);
  }
}

function report(n: number, m: Measures): BenchResult {
  const one = median(m.one.map((x) => x.ms));
  const oneWarm = median(m.oneWarm.map((x) => x.ms));
  const warmRequests = median(m.oneWarm.map((x) => x.requests));
  const rawOne = median(m.rawOne.map((x) => x.ms));
  const requests = median(m.one.map((x) => x.requests));
  const rawRequests = median(m.rawOne.map((x) => x.requests));
  const noop = median(m.noop);
  const rawList = median(m.rawList);
  const planMs = median(m.planMs);
  const ratios: Ratio[] = [
    { name: 'reconcile 1 changed of 3N, open connection / raw info+update', value: round(oneWarm / rawOne), target: '<= 1.20', ok: oneWarm / rawOne <= 1.2, note: `${warmRequests} vs ${rawRequests} API requests` },
    { name: 'reconcile 1 changed of 3N, own connection / raw info+update', value: round(one / rawOne), note: `${requests} API requests, connect included` },
    { name: 'no-op reconcile (read all + plan) / raw list-all', value: round(noop / rawList), target: '<= 1.20', ok: noop / rawList <= 1.2 },
    { name: `plan() over ${3 * n} resources (ms)`, value: round(planMs, 1), target: '<= 30', ok: planMs <= 30 },
  ];
  const text = table([
    ['measurement', 'median', 'baseline', 'ratio'],
    [`(a) reconcile 1 changed among ${3 * n} (only), open connection`, `${fmtMs(oneWarm)}, ${warmRequests} req`, `${fmtMs(rawOne)}, ${rawRequests} req`, fmtRatio(oneWarm / rawOne)],
    ['    the same, connecting for the run', `${fmtMs(one)}, ${requests} req`, `${fmtMs(rawOne)}, ${rawRequests} req`, fmtRatio(one / rawOne)],
    [`(b) no-op reconcile of ${3 * n}, read all, open connection`, fmtMs(noop), fmtMs(rawList), fmtRatio(noop / rawList)],
    [`(c) plan() of ${3 * n}`, fmtMs(planMs), '', ''],
  ]);
  return benchResult('reconcile', ratios, text, { streams: n, measures: m });
}

export const reconcileBenchmark: Benchmark = {
  name: 'reconcile',
  description: 'the reconcile core: one changed resource among many, a no-op reconcile, plan() alone',
  options: OPTIONS,
  async run(o: ParsedOptions): Promise<BenchResult> {
    const n = intOption(o, 'streams', 10);
    const rounds = intOption(o, 'noop-rounds', 1);
    const concurrency = intOption(o, 'concurrency', 1);
    return withCluster(3, intOption(o, 'max-minutes', 1), async (c) => report(n, await measure(c.urls as string[], n, rounds, concurrency)));
  },
};

runWhenMain(reconcileBenchmark, import.meta.url);
