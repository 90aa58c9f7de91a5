/**
 * The controller's work queue: keyed per resource and level-triggered (adding a key that is
 * already queued does nothing; adding a key that is in flight runs it once more afterwards), one
 * pass in flight per key, a bounded number of workers that take batches of distinct keys, a
 * jittered, capped exponential backoff per key, and dependency wake-up: a key waiting on another
 * (a consumer on its stream) runs again as soon as that one is woken, not on the timer alone.
 * Time and randomness are injected so the behaviour is testable without waiting.
 */

/** What a pass decided for one key. */
export type WorkResult =
  | { type: 'done' } // settled: forget the backoff
  | { type: 'retry' } // failed: run again after the key's next backoff delay
  | { type: 'wait'; on: string }; // blocked on `on`: run again when `on` is woken (or after the backoff)

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface QueueOptions {
  /** passes running at once (default 4) */
  workers?: number;
  /** the most keys one pass takes (default 64) */
  batch?: number;
  /** first retry delay cap in ms (default 500) */
  baseMs?: number;
  /** largest retry delay in ms (default 60 000) */
  maxMs?: number;
  clock?: Clock;
  /** uniform in [0, 1) (default Math.random) */
  random?: () => number;
}

export type Handler = (keys: string[]) => Promise<Map<string, WorkResult>>;

/** The delay before retry `failures` (1 = first retry): uniform in [cap/2, cap], cap = min(max, base·2^(failures-1)). */
export function retryDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
  return cap / 2 + random() * (cap / 2);
}

export class WorkQueue {
  private readonly queued: string[] = [];
  private readonly queuedSet = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** keys added while in flight: queued again when their pass ends */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, unknown>();
  /** dependency -> keys waiting on it */
  private readonly waiters = new Map<string, Set<string>>();
  private readonly running = new Set<Promise<void>>();
  private active = 0;
  private stopped = false;
  private readonly o: Required<Omit<QueueOptions, 'clock' | 'random'>> & { clock: Clock; random: () => number };

  constructor(private readonly handler: Handler, options: QueueOptions = {}) {
    this.o = {
      workers: options.workers ?? 4, batch: options.batch ?? 64, baseMs: options.baseMs ?? 500, maxMs: options.maxMs ?? 60_000,
      clock: options.clock ?? SYSTEM_CLOCK, random: options.random ?? Math.random,
    };
  }

  /** Queues `key` now (a pending delayed retry is replaced). */
  add(key: string): void {
    if (this.stopped) return;
    this.cancelTimer(key);
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (!this.queuedSet.has(key)) {
      this.queuedSet.add(key);
      this.queued.push(key);
    }
    this.schedulePump();
  }

  private pumpScheduled = false;

  /** Pumps once the current turn is over, so keys added together run in one batch. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Queues `key` after `ms` unless it is queued sooner. */
  addAfter(key: string, ms: number): void {
    if (this.stopped || this.queuedSet.has(key)) return;
    this.cancelTimer(key);
    this.timers.set(key, this.o.clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms));
  }

  /** Queues every key waiting on `dependency`. */
  wake(dependency: string): void {
    const keys = this.waiters.get(dependency);
    if (!keys) return;
    this.waiters.delete(dependency);
    for (const k of keys) this.add(k);
  }

  /** Forgets a key entirely (its item went away): no retry, no wait. */
  forget(key: string): void {
    this.cancelTimer(key);
    this.failures.delete(key);
    this.dropWaits(key);
    if (this.queuedSet.delete(key)) this.queued.splice(this.queued.indexOf(key), 1);
  }

  /** Keys waiting to run (not in flight, not delayed). */
  depth(): number {
    return this.queued.length;
  }

  /** The key is queued or in flight (a delayed retry does not count). */
  busy(key: string): boolean {
    return this.queuedSet.has(key) || this.inFlight.has(key);
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Failures in a row of `key` (0 after a success). */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Starts nothing new, drops the queue and the timers, and resolves when the passes in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) this.o.clock.clearTimeout(t);
    this.timers.clear();
    this.queued.length = 0;
    this.queuedSet.clear();
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** Resolves when nothing is queued or in flight (delayed retries and waits do not count). */
  async idle(): Promise<void> {
    while (this.running.size || (this.queued.length && !this.stopped)) {
      await Promise.allSettled([...this.running]);
      if (!this.running.size && this.queued.length) this.pump();
    }
  }

  private cancelTimer(key: string): void {
    const t = this.timers.get(key);
    if (t === undefined) return;
    this.o.clock.clearTimeout(t);
    this.timers.delete(key);
  }

  private dropWaits(key: string): void {
    for (const [dep, keys] of this.waiters) {
      keys.delete(key);
      if (!keys.size) this.waiters.delete(dep);
    }
  }

  private pump(): void {
    while (!this.stopped && this.active < this.o.workers && this.queued.length) {
      const keys = this.queued.splice(0, this.o.batch);
      for (const k of keys) {
        this.queuedSet.delete(k);
        this.inFlight.add(k);
      }
      this.active++;
      const p = this.runPass(keys).finally(() => {
        this.running.delete(p);
        this.active--;
        this.pump();
      });
      this.running.add(p);
    }
  }

  private async runPass(keys: string[]): Promise<void> {
    let results: Map<string, WorkResult>;
    try {
      results = await this.handler(keys);
    } catch {
      results = new Map(keys.map((k) => [k, { type: 'retry' }]));
    }
    for (const k of keys) this.settle(k, results.get(k) ?? { type: 'done' });
  }

  private settle(key: string, r: WorkResult): void {
    this.inFlight.delete(key);
    this.dropWaits(key);
    if (r.type === 'done') this.failures.delete(key);
    else {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      if (r.type === 'wait') {
        const set = this.waiters.get(r.on) ?? new Set<string>();
        set.add(key);
        this.waiters.set(r.on, set);
      }
      if (!this.dirty.has(key)) this.addAfter(key, retryDelay(n, this.o.baseMs, this.o.maxMs, this.o.random));
    }
    if (this.dirty.delete(key)) this.add(key);
  }
}
