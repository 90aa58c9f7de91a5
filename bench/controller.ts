/**
 * The directory controller at scale, on a 3-server cluster, N R3 streams + 2N consumers:
 *
 *   a. cold start: time until every declared resource is Ready, vs `jetkeeper apply` (the
 *      reconcile core in apply mode) of the same set in the same run, on an empty server each;
 *   b. steady state, nothing changing: JetStream API requests and write requests per resync
 *      (counted on the server by a `$JS.API.>` subscription), vs the raw list-all floor; status
 *      reports per resync;
 *   c. one resource changed among the 3N: API requests until it is reconciled;
 *   d. RSS of this process (controller + benchmark) and its CPU while idle between resyncs.
 *
 *   npm run build && node dist/bench/controller.js --streams 100
 *   node dist/bench/controller.js --streams 1000      # the 1,000 + 2,000 of the target
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Controller } from '../src/controller/controller.js';
import { DirectorySource } from '../src/controller/sources/dir.js';
import type { ItemStatus } from '../src/controller/source.js';
import { parseManifests } from '../src/manifests/load.js';
import { validateDocuments } from '../src/manifests/validate.js';
import { reconcile } from '../src/reconcile/reconcile.js';
import { generateManifests } from './apply.js';
import {
  benchResult, fmtMs, fmtRatio, intOption, log, now, pool, round, runWhenMain, table, withCluster,
  type Benchmark, type BenchResult, type OptionSpecs, type ParsedOptions, type Ratio,
} from './lib.js';

const OPTIONS: OptionSpecs = {
  streams: { type: 'string', default: '100', description: 'streams to declare (each with 2 consumers); 1000 for the target size' },
  'max-minutes': { type: 'string', default: '40', description: 'overall deadline: the cluster is stopped and the run aborted after it' },
  batch: { type: 'string', default: '64', description: 'the most resources one controller pass takes' },
  workers: { type: 'string', default: '4', description: 'controller passes at once' },
  'idle-seconds': { type: 'string', default: '10', description: 'how long to measure CPU while idle' },
};

const WRITE = /^\$JS\.API\.(STREAM\.(CREATE|UPDATE|DELETE)|CONSUMER\.(CREATE|DURABLE\.CREATE|DELETE))\./;

interface Count { requests: number; writes: number; ms: number }

async function counted(spy: NatsConnection, fn: () => Promise<void>): Promise<Count> {
  const sub = spy.subscribe('$JS.API.>');
  let requests = 0;
  let writes = 0;
  const counting = (async () => {
    for await (const m of sub) {
      requests++;
      if (WRITE.test(m.subject)) writes++;
    }
  })();
  await spy.flush();
  const t0 = now();
  await fn();
  const ms = now() - t0;
  await spy.flush();
  sub.unsubscribe();
  await counting;
  return { requests, writes, ms };
}

async function deleteAll(jsm: JetStreamManager): Promise<void> {
  const names: string[] = [];
  for await (const n of jsm.streams.names()) names.push(n);
  await pool(names, 16, async (n) => { await jsm.streams.delete(n); });
}

async function rawListAll(jsm: JetStreamManager): Promise<void> {
  const names: string[] = [];
  for await (const si of jsm.streams.list()) names.push(si.config.name);
  await pool(names, 16, async (name) => { for await (const _c of jsm.consumers.list(name)) { /* read */ } });
}

async function until(what: string, fn: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Measures {
  applyMs: number;
  coldMs: number;
  resync: Count;
  floor: Count;
  reportsPerResync: number;
  single: Count;
  rssMiB: number;
  idleCpuPct: number;
}

async function measure(servers: string[], n: number, idleSeconds: number, tune: { batch: number; workers: number }): Promise<Measures> {
  const text = generateManifests(n);
  const v = validateDocuments(parseManifests(text, 'bench.yaml'));
  if (v.errors.length) throw new Error(v.errors[0]!.format());
  const spy = await connect({ servers });
  const raw = await connect({ servers });
  const jsm = await jetstreamManager(raw);
  const dir = mkdtempSync(join(tmpdir(), 'jetkeeper-bench-ctl-'));
  writeFileSync(join(dir, 'bench.yaml'), text);
  let reports = 0;
  const source = new DirectorySource(dir);
  const report = source.report.bind(source);
  source.report = (key: string, s: ItemStatus) => { reports++; return report(key, s); };
  const controller = new Controller({ source, connection: { servers, timeoutMs: 60_000 }, owner: 'default', syncIntervalMs: 60_000, ...tune });
  try {
    log(`(a) jetkeeper apply of ${n} R3 streams + ${2 * n} consumers`);
    let t = now();
    const applied = await reconcile({ resources: v.resources, connection: { servers, timeoutMs: 60_000 }, owner: 'default', mode: 'apply', concurrency: 16 });
    const applyMs = now() - t;
    if (!applied.ok) throw new Error('apply failed');
    await deleteAll(jsm);
    log('(a) controller cold start of the same set');
    t = now();
    await controller.start();
    const all = () => { const s = controller.snapshot(); return s.items.length === 3 * n && s.items.every((i) => i.status?.ready); };
    await until('every resource Ready', all, 30 * 60_000);
    const coldMs = now() - t;
    await controller.idle();
    await controller.resync(); // the Created -> InSync reports
    await controller.idle();
    log('(b) steady state');
    reports = 0;
    const resync = await counted(spy, async () => { await controller.resync(); await controller.idle(); });
    const reportsPerResync = reports;
    const floor = await counted(spy, () => rawListAll(jsm));
    log('(c) one resource changed');
    // stream 7 (or the last one of a smaller set) gets a description
    const name = `BENCH_${String(Math.min(7, n)).padStart(4, '0')}`;
    const changed = readFileSync(join(dir, 'bench.yaml'), 'utf8').replace(`  name: ${name}\n`, `  name: ${name}\n  description: changed\n`);
    const single = await counted(spy, async () => {
      writeFileSync(join(dir, 'bench.yaml'), changed);
      await until('the change reconciled', () => (controller.statusOf(`Stream/${name}`)?.observedGeneration ?? 0) >= 2 && !!controller.statusOf(`Stream/${name}`)?.ready, 60_000);
      await controller.idle();
    });
    log(`(d) idle for ${idleSeconds} s`);
    const c0 = process.cpuUsage();
    const t0 = now();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const c1 = process.cpuUsage(c0);
    const idleCpuPct = ((c1.user + c1.system) / 1000 / (now() - t0)) * 100;
    return { applyMs, coldMs, resync, floor, reportsPerResync, single, rssMiB: process.memoryUsage().rss / 2 ** 20, idleCpuPct };
  } finally {
    await controller.stop();
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([spy.close(), raw.close()]);
  }
}

function report(n: number, m: Measures): BenchResult {
  const cold = m.coldMs / m.applyMs;
  const perFloor = m.resync.requests / m.floor.requests;
  const ratios: Ratio[] = [
    { name: 'controller cold start until all Ready / jetkeeper apply', value: round(cold), target: '<= 1.20', ok: cold <= 1.2 },
    { name: 'write requests per resync (nothing changing)', value: m.resync.writes, target: '0', ok: m.resync.writes === 0 },
    { name: 'status reports per resync (nothing changing)', value: m.reportsPerResync, target: '0', ok: m.reportsPerResync === 0 },
    { name: 'API requests per resync / raw list-all floor', value: round(perFloor), target: '<= 1.00', ok: perFloor <= 1 },
    { name: 'API requests for 1 changed resource', value: m.single.requests, target: '<= 5', ok: m.single.requests <= 5, note: `${m.single.writes} write(s)` },
    { name: 'RSS of controller + benchmark (MiB)', value: round(m.rssMiB, 1), target: '<= 150', ok: m.rssMiB <= 150 },
    { name: 'idle CPU between resyncs (% of a core)', value: round(m.idleCpuPct, 2), target: '< 1', ok: m.idleCpuPct < 1 },
  ];
  const text = table([
    ['measurement', 'value', 'baseline', 'ratio'],
    [`(a) cold start, ${3 * n} resources until Ready`, fmtMs(m.coldMs), `apply ${fmtMs(m.applyMs)}`, fmtRatio(cold)],
    ['(b) one resync, nothing changing', `${m.resync.requests} req, ${m.resync.writes} writes, ${m.reportsPerResync} reports, ${fmtMs(m.resync.ms)}`, `list-all ${m.floor.requests} req, ${fmtMs(m.floor.ms)}`, fmtRatio(perFloor)],
    ['(c) one changed resource', `${m.single.requests} req, ${m.single.writes} write(s)`, '', ''],
    ['(d) RSS / idle CPU', `${round(m.rssMiB, 1)} MiB / ${round(m.idleCpuPct, 2)} %`, '', ''],
  ]);
  return benchResult('controller', ratios, text, { streams: n, measures: m });
}

export const controllerBenchmark: Benchmark = {
  name: 'controller',
  description: 'the directory controller: cold start vs apply, requests per resync vs the list-all floor, one change, RSS and idle CPU',
  options: OPTIONS,
  async run(o: ParsedOptions): Promise<BenchResult> {
    const n = intOption(o, 'streams', 1);
    return withCluster(3, intOption(o, 'max-minutes', 1), async (c) => report(n, await measure(c.urls as string[], n, intOption(o, 'idle-seconds', 1), { batch: intOption(o, 'batch', 1), workers: intOption(o, 'workers', 1) })));
  },
};

runWhenMain(controllerBenchmark, import.meta.url);
