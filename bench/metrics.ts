/**
 * The cost of a `jetkeeper metrics` scrape against the raw monitor fetch it is built on, in the same
 * run on the same cluster: N streams x C consumers (R1, spread over 3 servers), 10 % of the consumers
 * behind. Two baselines, timed in the same interleaved rounds as the scrape:
 *  - the raw `/jsz?accounts=true&streams=true&consumers=true` of every server (the first baseline,
 *    kept for comparison with earlier runs; not a target: a scrape must also read the configs, about
 *    twice those bytes, and `/varz` and `/routez`);
 *  - the raw text of every path a gather reads (GATHER_PATHS: `/varz`, the full `/jsz` with config,
 *    `/routez`) of every server, concurrently, not parsed: like for like (target <= 1.2).
 * Also the series count, the extra cost of the age look-ups, and the RSS of the process before the
 * first scrape (cluster set up) and after the last (target <= 150 MiB).
 *
 *   node dist/bench/metrics.js                        # 50 x 5
 *   node dist/bench/metrics.js --streams 1000 --consumers 5
 */
import { Registry } from 'prom-client';
import { clusterSettings } from '../src/local/cluster.js';
import { JetStreamAdmin } from '../src/nats/admin.js';
import { ObservabilityClient, rawGatherFetch, rawJszFetch } from '../src/nats/gather.js';
import { registerJetStreamCollectors } from '../src/metrics/collectors.js';
import { fmtMs, fmtRatio, intOption, log, median, now, pool, round, runWhenMain, table, withCluster, type Benchmark, type BenchResult, type ParsedOptions } from './lib.js';

async function timed(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  return (await interleaved([fn], rounds))[0]!;
}

/** Each round runs every fn once, in turn (a loaded machine slows them alike); the median ms of each. */
async function interleaved(fns: readonly (() => Promise<unknown>)[], rounds: number): Promise<number[]> {
  const ms = fns.map((): number[] => []);
  for (let i = 0; i < rounds; i++) {
    for (const [k, fn] of fns.entries()) {
      const t = now();
      await fn();
      ms[k]!.push(now() - t);
    }
  }
  return ms.map(median);
}

async function populate(admin: JetStreamAdmin, streams: number, consumers: number): Promise<void> {
  const names = Array.from({ length: streams }, (_, i) => `B${i}`);
  await pool(names, 16, async (name) => {
    await admin.createStream({ name, subjects: [`b.${name}.>`], num_replicas: 1, storage: 'file', retention: 'limits' });
    for (let c = 0; c < consumers; c++) await admin.createConsumer(name, { durable_name: `c${c}`, ack_policy: 'explicit', num_replicas: 1 });
  });
  // 10 % of the consumers behind: one message in every tenth stream
  await pool(names.filter((_, i) => i % 10 === 0), 16, (name) => publishOnce(admin, `b.${name}.x`));
}

/** One message, retried while the stream's interest has not yet reached the server we are connected to (no responders). */
async function publishOnce(admin: JetStreamAdmin, subject: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.nc.request(subject, new TextEncoder().encode('x'), { timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt >= 50 || !/no responders/i.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function collectors(urls: string[], client?: ObservabilityClient): Registry {
  const registry = new Registry();
  registerJetStreamCollectors(registry, {
    monitorUrls: urls, maxAgeMs: 0, timeoutMs: 30_000, ageBudget: 100_000,
    messageTime: client ? (s, seq) => client.messageTime(s, seq) : undefined,
  });
  return registry;
}

export const metricsBenchmark: Benchmark = {
  name: 'metrics',
  description: 'jetkeeper metrics scrape vs the raw /jsz fetch of every server, series count, age look-ups, RSS',
  options: {
    streams: { type: 'string', default: '50', description: 'streams (R1)' },
    consumers: { type: 'string', default: '5', description: 'consumers per stream' },
    rounds: { type: 'string', default: '5', description: 'timed rounds (median)' },
  },
  async run(o: ParsedOptions): Promise<BenchResult> {
    const [streams, consumers, rounds] = [intOption(o, 'streams', 1), intOption(o, 'consumers', 0), intOption(o, 'rounds', 1)];
    return withCluster(3, 60, async (cluster) => {
      const urls = cluster.servers.map((s) => s.monitorUrl);
      const admin = await JetStreamAdmin.connect(clusterSettings(cluster, 30_000));
      const client = await ObservabilityClient.connect(clusterSettings(cluster, 30_000), { timeoutMs: 10_000 });
      try {
        log(`creating ${streams} streams x ${consumers} consumers`);
        await populate(admin, streams, consumers);
        const plain = collectors(urls);
        const withAges = collectors(urls, client);
        const rssBeforeMiB = process.memoryUsage().rss / 2 ** 20;
        const agesCold = await timed(() => withAges.metrics(), 1);
        const [rawMs, sameMs, scrapeMs] = await interleaved([
          () => rawJszFetch(urls, { timeoutMs: 30_000 }), () => rawGatherFetch(urls, { timeoutMs: 30_000 }), () => plain.metrics()], rounds);
        const agesWarmMs = await timed(() => withAges.metrics(), rounds);
        const text = await plain.metrics();
        const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
        const rssMiB = process.memoryUsage().rss / 2 ** 20;
        const ratio = scrapeMs! / rawMs!;
        const sameRatio = scrapeMs! / sameMs!;
        const ratios = [
          { name: 'scrape / raw jsz fetch', value: round(ratio), note: 'first baseline: /jsz without config, no /varz or /routez (not a target)' },
          { name: 'scrape / raw fetch of the gather\'s endpoints', value: round(sameRatio), target: '<= 1.20', ok: sameRatio <= 1.2 },
          { name: 'RSS MiB / 150', value: round(rssMiB / 150), target: '<= 1.00', ok: rssMiB <= 150 },
        ];
        const out = table([
          ['measure', 'value'],
          ['streams x consumers', `${streams} x ${consumers}`],
          ['raw /jsz fetch, 3 servers (median)', fmtMs(rawMs!)],
          ['raw fetch of the gather\'s endpoints (median)', fmtMs(sameMs!)],
          ['scrape without ages (median)', fmtMs(scrapeMs!)],
          ['scrape / raw /jsz', fmtRatio(ratio)],
          ['scrape / raw gather endpoints', fmtRatio(sameRatio)],
          ['scrape with ages, first (look-ups sent)', fmtMs(agesCold)],
          ['scrape with ages, cached (median)', fmtMs(agesWarmMs)],
          ['series', String(series)],
          ['RSS before the first scrape', `${rssBeforeMiB.toFixed(0)} MiB`],
          ['RSS', `${rssMiB.toFixed(0)} MiB`],
        ]);
        return { benchmark: 'metrics', ok: ratios.every((r) => r.ok !== false), ratios, text: out, data: { streams, consumers, rawMs, sameMs, scrapeMs, agesCold, agesWarmMs, series, rssBeforeMiB, rssMiB } };
      } finally {
        await client.close();
        await admin.close();
      }
    });
  },
};

runWhenMain(metricsBenchmark, import.meta.url);
