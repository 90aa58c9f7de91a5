/**
 * The data behind every scrape: one gather of every server, kept for `maxAgeMs` (concurrent
 * scrapes share one gather), plus the message-age look-ups for consumers with something pending,
 * cached by (account, stream, sequence) and bounded per gather.
 */
import { gatherServers, type ServerGather } from '../nats/gather.js';
import { systemView, type ConsumerView, type KnownServer, type StreamView, type SystemView } from './model.js';

/** Seconds since the oldest unacknowledged and the oldest undelivered message of a consumer were stored. */
export interface ConsumerAges {
  oldestUnackedS?: number;
  oldestPendingS?: number;
}

export interface Snapshot {
  view: SystemView;
  /** by consumerKey() */
  ages: Map<string, ConsumerAges>;
  lookups: { sent: number; cached: number; skipped: number };
  gatherMs: number;
}

export interface MetricsSourceOptions {
  monitorUrls: readonly string[];
  /** reuse a gather for this long (default 5 s) */
  maxAgeMs?: number;
  /** per monitor request (default 5 s) */
  timeoutMs?: number;
  /** servers the cluster should have (0: not checked) */
  expectServers?: number;
  /** message-time look-ups per gather (default 200); the rest wait for the next gather */
  ageBudget?: number;
  /** the stored time (ms) of message `seq` in `stream`; without it no age series */
  messageTime?: (stream: string, seq: number) => Promise<number | undefined>;
  /** replaces the monitor gather (tests, other transports) */
  gather?: (urls: readonly string[]) => Promise<ServerGather[]>;
  now?: () => number;
}

const CACHE_LIMIT = 50_000;

export function consumerKey(c: { account: string; stream: string; consumer: string }): string {
  return `${c.account}\u0000${c.stream}\u0000${c.consumer}`;
}

interface Want { key: string; which: keyof ConsumerAges; account: string; stream: string; seq: number; weight: number }

/** The sequences whose stored time gives a consumer's ages (the first after the ack floor; the first not yet delivered). */
export function ageWants(c: ConsumerView, s: StreamView | undefined): Want[] {
  const d = c.detail;
  const first = s?.detail.state?.first_seq ?? 0;
  const out: Want[] = [];
  const base = { key: consumerKey(c), account: c.account, stream: c.stream };
  if ((d.num_ack_pending ?? 0) > 0) out.push({ ...base, which: 'oldestUnackedS', seq: Math.max(first, (d.ack_floor?.stream_seq ?? 0) + 1), weight: d.num_ack_pending ?? 0 });
  if ((d.num_pending ?? 0) > 0) out.push({ ...base, which: 'oldestPendingS', seq: Math.max(first, (d.delivered?.stream_seq ?? 0) + 1), weight: d.num_pending ?? 0 });
  return out;
}

export class MetricsSource {
  readonly options: MetricsSourceOptions;
  #current: { at: number; snap: Promise<Snapshot>; done: boolean } | undefined;
  readonly #times = new Map<string, number | null>();
  /** monitor URL -> the server's name and cluster when it last answered */
  readonly #known = new Map<string, KnownServer>();

  constructor(options: MetricsSourceOptions) {
    this.options = options;
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * The snapshot: the gather in flight if there is one (all series of one scrape share it, and
   * concurrent scrapes too), else the last one while younger than maxAgeMs, else a new gather.
   */
  current(): Promise<Snapshot> {
    const now = this.#now();
    const c = this.#current;
    if (c && (!c.done || now - c.at < (this.options.maxAgeMs ?? 5_000))) return c.snap;
    const entry: { at: number; snap: Promise<Snapshot>; done: boolean } = { at: now, snap: this.#take(now), done: false };
    entry.snap.then(() => {
      entry.done = true;
      entry.at = this.#now();
    }, () => {
      if (this.#current === entry) this.#current = undefined;
    });
    this.#current = entry;
    return entry.snap;
  }

  /** Forgets the cached gather: the next current() gathers again. */
  invalidate(): void {
    this.#current = undefined;
  }

  async #take(now: number): Promise<Snapshot> {
    const gather = this.options.gather ?? ((u: readonly string[]) => gatherServers(u, { timeoutMs: this.options.timeoutMs ?? 5_000 }));
    const started = performance.now();
    const gathers = await gather(this.options.monitorUrls);
    const gatherMs = performance.now() - started;
    const view = systemView(gathers, { at: now, expectServers: this.options.expectServers, known: this.#known });
    for (const s of view.servers) if (s.up) this.#known.set(s.monitorUrl, { name: s.name, cluster: s.cluster });
    const { ages, lookups } = await this.#ages(view, now);
    return { view, ages, lookups, gatherMs };
  }

  async #ages(view: SystemView, now: number): Promise<Pick<Snapshot, 'ages' | 'lookups'>> {
    const ages = new Map<string, ConsumerAges>();
    const lookups = { sent: 0, cached: 0, skipped: 0 };
    const lookup = this.options.messageTime;
    if (!lookup) return { ages, lookups };
    const streams = new Map(view.streams.map((s) => [`${s.account}\u0000${s.stream}`, s]));
    const wants = view.consumers.filter((c) => !c.ephemeral).flatMap((c) => ageWants(c, streams.get(`${c.account}\u0000${c.stream}`)));
    wants.sort((a, b) => b.weight - a.weight);
    let budget = this.options.ageBudget ?? 200;
    const missing: Want[] = [];
    for (const w of wants) {
      const t = this.#times.get(`${w.account}\u0000${w.stream}\u0000${w.seq}`);
      if (t !== undefined) {
        lookups.cached++;
        if (t !== null) setAge(ages, w, now, t);
      } else if (budget > 0) {
        budget--;
        missing.push(w);
      } else lookups.skipped++;
    }
    await Promise.all(missing.map(async (w) => {
      lookups.sent++;
      const t = await lookup(w.stream, w.seq);
      this.#remember(`${w.account}\u0000${w.stream}\u0000${w.seq}`, t ?? null);
      if (t !== undefined) setAge(ages, w, now, t);
    }));
    return { ages, lookups };
  }

  #remember(key: string, t: number | null): void {
    if (this.#times.size >= CACHE_LIMIT) {
      const oldest = this.#times.keys().next().value;
      if (oldest !== undefined) this.#times.delete(oldest);
    }
    this.#times.set(key, t);
  }
}

function setAge(ages: Map<string, ConsumerAges>, w: Want, now: number, t: number): void {
  const a = ages.get(w.key) ?? {};
  a[w.which] = Math.max(0, (now - t) / 1000);
  ages.set(w.key, a);
}
