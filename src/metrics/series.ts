/** The shape of a series definition: a name, HELP text, its label names, and how to read its values from a snapshot. */
import type { AdvisoryLog } from './advisories.js';
import type { Snapshot } from './source.js';

export type Labels = Record<string, string>;
export type Row = readonly [Labels, number | boolean | undefined];

export interface SeriesContext {
  advisories?: AdvisoryLog;
  /** one series per ephemeral consumer instead of one aggregate per stream */
  ephemeralConsumers: boolean;
}

export interface SeriesDef {
  name: string;
  help: string;
  labels: readonly string[];
  rows(s: Snapshot, ctx: SeriesContext): Iterable<Row>;
}

/** A series definition in one line: `def('jetkeeper_x', 'help', ['stream'], (s) => ...)`. */
export function def(name: string, help: string, labels: readonly string[], rows: SeriesDef['rows']): SeriesDef {
  return { name, help, labels, rows };
}

const DISTINCT = new WeakSet<SeriesDef['rows']>();

/** Marks a rows function whose rows never repeat label values (one per stream view, one per consumer view): the collector need not look for repeats. */
export function distinct<F extends SeriesDef['rows']>(rows: F): F {
  DISTINCT.add(rows);
  return rows;
}

export function isDistinct(d: SeriesDef): boolean {
  return DISTINCT.has(d.rows);
}

/** A number for a gauge (booleans as 0/1); undefined stays undefined (no sample). */
export function num(v: number | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Label objects made once per thing (server, stream, replica, consumer view) and shared by all its
 * series: the registry formats a label object once per scrape. Never mutate one once made.
 */
export class LabelCache<K extends object> {
  readonly #m = new WeakMap<K, Labels>();

  get(k: K, make: (k: K) => Labels): Labels {
    let l = this.#m.get(k);
    if (l === undefined) {
      l = make(k);
      this.#m.set(k, l);
    }
    return l;
  }
}
