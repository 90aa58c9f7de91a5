/**
 * jetkeeper's Prometheus collectors on a registry of the caller's (the `metrics` command's own,
 * or the controller's): every series reads the same cached snapshot, so one scrape costs one
 * gather of each server's monitor endpoints, however many series and resources there are.
 */
import { Gauge, type Registry } from 'prom-client';
import type { AdvisoryLog } from './advisories.js';
import { compatSeries } from './compat.js';
import { isDistinct, num, type Labels, type Row, type SeriesContext, type SeriesDef } from './series.js';
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

interface Sample { value: number; labels: Labels }
/** A sample as the registry's text exposition takes it (see getForPromString). */
interface TextSample { value: number; labels: Labels; sharedLabels: Labels }

const NO_LABELS: Labels = Object.freeze({}) as Labels;

const asSample = (value: number, labels: Labels): Sample => ({ value, labels });
const asTextSample = (value: number, labels: Labels): TextSample => ({ value, labels: NO_LABELS, sharedLabels: labels });

/**
 * The samples of one series, each made by `make`: a later row with the same label values replaces
 * an earlier one (as Gauge.set does), in first-seen order; rows without a number give no sample.
 */
export function samples<S>(d: SeriesDef, rows: Iterable<Row>, make: (value: number, labels: Labels) => S): S[] {
  const out: S[] = [];
  if (isDistinct(d)) {
    for (const [labels, v] of rows) {
      const value = num(v);
      if (value !== undefined) out.push(make(value, labels));
    }
    return out;
  }
  const at = new Map<string, number>();
  for (const [labels, v] of rows) {
    const value = num(v);
    if (value === undefined) continue;
    const key = d.labels.length === 0 ? '' : d.labels.map((l) => labels[l] ?? '').join('\u0000');
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, out.length);
      out.push(make(value, labels));
    } else out[i] = make(value, labels);
  }
  return out;
}

type MetricObject = Awaited<ReturnType<Gauge['get']>>;

/**
 * A gauge whose samples are read from the snapshot at each scrape and handed to the registry as
 * they are: no per-sample Gauge.set (label validation, hashing), and nothing kept between scrapes.
 * For the text exposition each sample's labels go in `sharedLabels`, which the registry formats
 * once per label object (as for a histogram's buckets): the series of one stream or consumer share
 * one label object, so its labels are escaped and joined once per scrape, not once per series.
 */
class SnapshotGauge extends Gauge {
  readonly #def: SeriesDef;
  readonly #source: MetricsSource;
  readonly #ctx: SeriesContext;

  constructor(registry: Registry, d: SeriesDef, source: MetricsSource, ctx: SeriesContext) {
    super({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] });
    this.#def = d;
    this.#source = source;
    this.#ctx = ctx;
  }

  async #samples<S>(make: (value: number, labels: Labels) => S): Promise<S[]> {
    return samples(this.#def, this.#def.rows(await this.#source.current(), this.#ctx), make);
  }

  #metric(values: unknown[]): MetricObject {
    return { help: this.#def.help, name: this.#def.name, type: 'gauge', values, aggregator: 'sum' } as unknown as MetricObject;
  }

  /** The registry's JSON (getMetricsAsJSON) and anyone reading the gauge: `{ value, labels }` as Gauge.get gives them. */
  override async get(): Promise<MetricObject> {
    return this.#metric(await this.#samples(asSample));
  }

  /** What Registry.metrics() formats when a metric has it (prom-client's own Histogram does). */
  async getForPromString(): Promise<MetricObject> {
    return this.#metric(await this.#samples(asTextSample));
  }
}

/** Registers jetkeeper's JetStream collectors on `registry`; returns the source (snapshot cache) behind them. */
export function registerJetStreamCollectors(registry: Registry, options: CollectorOptions): MetricsSource {
  const source = new MetricsSource(options);
  const ctx: SeriesContext = { advisories: options.advisories, ephemeralConsumers: options.ephemeralConsumers === true };
  for (const d of seriesDefinitions(options.compatExporter === true)) new SnapshotGauge(registry, d, source, ctx);
  return source;
}
