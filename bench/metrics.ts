/**
 * The cost of a `jetkeeper metrics` scrape against the raw monitor fetch it is built on, in the same
 * run on the same cluster: N streams x C consumers (R1, spread over 3 servers), 10 % of the consumers
 * behind. Reports scrape time / raw `/jsz?streams=true&consumers=true` fetch of every server (target
 * <= 1.2), the series count, the extra cost of the age look-ups, and the RSS of the process.
 *
 *   node dist/bench/metrics.js                        # 50 x 5
 *   node dist/bench/metrics.js --streams 1000 --consumers 5
 */
import { Registry } from 'prom-client';
import { clusterSettings } from '../src/local/cluster.js';
import { JetStreamAdmin } from '../src/nats/admin.js';
import { ObservabilityClient, rawJszFetch } from '../src/nats/gather.js';
import { registerJetStreamCollectors } from '../src/metrics/collectors.js';
import { fmtMs, fmtRatio, intOption, log, median, now, pool, round, runWhenMain, table, withCluster, type Benchmark, type BenchResult, type ParsedOptions } from './lib.js';

async function timed(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = now();
    await fn();
    ms.push(now() - t);
  }
  return median(ms);
}

async function populate(admin: JetStreamAdmin, streams: number, consumers: number): Promise<void> {
  const names = Array.from({ length: streams }, (_, i) => `B${i}`);
  await pool(names, 16, async (name) => {
    await admin.createStream({ name, subjects: [`b.${name}.>`], num_replicas: 1, storage: 'file', retention: 'limits' });
    for (let c = 0; c < consumers; c++) await admin.createConsumer(name, { durable_name: `c${c}`, ack_policy: 'explicit', num_replicas: 1 });
  });
  // 10 % of the consumers behind: one message in every tenth stream
  await pool(names.filter((_, i) => i % 10 === 0), 16, async (name) => {
    await admin.nc.request(`b.${name}.x`, new TextEncoder().encode('x'), { timeout: 10_000 });
  });
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
        const agesCold = await timed(() => withAges.metrics(), 1);
        const rawMs = await timed(() => rawJszFetch(urls, { timeoutMs: 30_000 }), rounds);
        const scrapeMs = await timed(() => plain.metrics(), rounds);
        const agesWarmMs = await timed(() => withAges.metrics(), rounds);
        const text = await plain.metrics();
        const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
        const rssMiB = process.memoryUsage().rss / 2 ** 20;
        const ratio = scrapeMs / rawMs;
        const ratios = [
          { name: 'scrape / raw jsz fetch', value: round(ratio), target: '<= 1.20', ok: ratio <= 1.2 },
          { name: 'RSS MiB / 150', value: round(rssMiB / 150), target: '<= 1.00', ok: rssMiB <= 150 },
        ];
        const out = table([
          ['measure', 'value'],
          ['streams x consumers', `${streams} x ${consumers}`],
          ['raw /jsz fetch, 3 servers (median)', fmtMs(rawMs)],
          ['scrape without ages (median)', fmtMs(scrapeMs)],
          ['scrape / raw', fmtRatio(ratio)],
          ['scrape with ages, first (look-ups sent)', fmtMs(agesCold)],
          ['scrape with ages, cached (median)', fmtMs(agesWarmMs)],
          ['series', String(series)],
          ['RSS', `${rssMiB.toFixed(0)} MiB`],
        ]);
        return { benchmark: 'metrics', ok: ratios.every((r) => r.ok), ratios, text: out, data: { streams, consumers, rawMs, scrapeMs, agesCold, agesWarmMs, series, rssMiB } };
      } finally {
        await client.close();
        await admin.close();
      }
    });
  },
};

runWhenMain(metricsBenchmark, import.meta.url);
