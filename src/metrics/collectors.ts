/**
 * jetkeeper's Prometheus collectors on a registry of the caller's (the `metrics` command's own,
 * or the controller's): every series reads the same cached snapshot, so one scrape costs one
 * gather of each server's monitor endpoints, however many series and resources there are.
 */
import { Gauge, type Registry } from 'prom-client';
import type { AdvisoryLog } from './advisories.js';
import { compatSeries } from './compat.js';
import { num, type SeriesContext, type SeriesDef } from './series.js';
import { accountSeries, scrapeSeries, serverSeries } from './series-server.js';
import { advisorySeries, consumerSeries, streamSeries } from './series-stream.js';
import { MetricsSource, type MetricsSourceOptions } from './source.js';

export interface CollectorOptions extends MetricsSourceOptions {
  advisories?: AdvisoryLog;
  ephemeralConsumers?: boolean;
  /** also the series under prometheus-nats-exporter's names (prefix `nats_`) */
  compatExporter?: boolean;
}

/** Every series jetkeeper defines (the compat ones only when asked). */
export function seriesDefinitions(compat = false): SeriesDef[] {
  return [...serverSeries, ...accountSeries, ...streamSeries, ...consumerSeries, ...advisorySeries, ...scrapeSeries, ...(compat ? compatSeries : [])];
}

function register(registry: Registry, d: SeriesDef, source: MetricsSource, ctx: SeriesContext): void {
  new Gauge({
    name: d.name,
    help: d.help,
    labelNames: [...d.labels],
    registers: [registry],
    async collect() {
      const snap = await source.current();
      this.reset();
      for (const [labels, v] of d.rows(snap, ctx)) {
        const n = num(v);
        if (n !== undefined) this.set(labels, n);
      }
    },
  });
}

/** Registers jetkeeper's JetStream collectors on `registry`; returns the source (snapshot cache) behind them. */
export function registerJetStreamCollectors(registry: Registry, options: CollectorOptions): MetricsSource {
  const source = new MetricsSource(options);
  const ctx: SeriesContext = { advisories: options.advisories, ephemeralConsumers: options.ephemeralConsumers === true };
  for (const d of seriesDefinitions(options.compatExporter === true)) register(registry, d, source, ctx);
  return source;
}
