/**
 * The acked JetStream publisher: a bounded number in flight, pacing to a rate (catching up after a
 * stall), retries with jittered exponential backoff of what classify() calls transient (timeouts,
 * 503 no responders, 10008 no quorum, 10158 an earlier attempt with this ID still in process),
 * counting attempted/acked/failed/retried and recording each publish's latency (first attempt ->
 * ack). A retry reuses the message ID, so a timed-out publish that was in fact stored is
 * de-duplicated by the server.
 */
import { AckInbox, type LoadConnection } from '../nats/load.js';
import { classify } from '../nats/errors.js';
import { PUBLISH_BACKOFF, backoffMs, sleep } from '../nats/retry.js';
import { Histogram } from './histogram.js';
import { IdCounts } from './ids.js';
import { Pacer, now } from './pacing.js';
import { stampPayload } from './payload.js';
import { bump } from './stats.js';

export interface JsPublishOptions {
  subject: string;
  /** payload bytes (default 128) */
  size?: number;
  /** msgs/s, 0 = as fast as `maxInFlight` allows */
  rate: number;
  /** stop starting publishes after this long */
  durationMs: number;
  /** and after this many (0/undefined: no count limit) */
  maxMessages?: number;
  /** publishes awaiting their ack at once (default 64) */
  maxInFlight?: number;
  /** per attempt (default 2 s) */
  attemptTimeoutMs?: number;
  /** a publish counts as failed when no attempt was acked this long after the first (default 5 s) */
  retryBudgetMs?: number;
  /** message IDs are `${idPrefix}${i}`; no IDs (and no retries) when undefined */
  idPrefix?: string;
  /** keep every ack's time (performance.now()) in ackTimes */
  keepAckTimes?: boolean;
  signal?: AbortSignal;
}

export interface PublishStats {
  /** publishes started (each counted once, however many attempts) */
  attempted: number;
  acked: number;
  failed: number;
  /** attempts beyond the first */
  retried: number;
  /** acks the server flagged `duplicate` (an earlier attempt was stored) */
  duplicateAcks: number;
  /** failed attempts by classify()'s code */
  errors: Record<string, number>;
  elapsedMs: number;
}

/** Acked JetStream publishes until the duration, the count, stop() or the signal. */
export class JsPublisher {
  readonly conn: LoadConnection;
  readonly opts: Required<Omit<JsPublishOptions, 'idPrefix' | 'signal' | 'maxMessages'>> & Pick<JsPublishOptions, 'idPrefix' | 'signal' | 'maxMessages'>;
  readonly stats: PublishStats = { attempted: 0, acked: 0, failed: 0, retried: 0, duplicateAcks: 0, errors: {}, elapsedMs: 0 };
  /** publish latency (first attempt → ack), µs */
  readonly latency = new Histogram();
  /** indexes acked */
  readonly acked = new IdCounts();
  /** performance.now() of each ack, in ack order (keepAckTimes) */
  readonly ackTimes: number[] = [];
  /** performance.now() and kind of each failed attempt */
  readonly attemptErrors: { at: number; kind: string }[] = [];
  #stopped = false;
  #started = 0;
  #inFlight = 0;
  #acks!: AckInbox;

  constructor(conn: LoadConnection, opts: JsPublishOptions) {
    this.conn = conn;
    this.opts = {
      size: 128, maxInFlight: 64, attemptTimeoutMs: 2_000, retryBudgetMs: 5_000, keepAckTimes: false, ...opts,
    };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Stops starting new publishes; those in flight finish (with their retries). */
  stop(): void {
    this.#stopped = true;
  }

  /** Publishes until the duration, count, stop() or the signal; resolves when every publish settled. */
  async run(): Promise<PublishStats> {
    const o = this.opts;
    this.#started = now();
    const pacer = new Pacer(o.rate, this.#started);
    let wake: (() => void) | undefined;
    let timeUp = false;
    const done = (): boolean =>
      this.#stopped || timeUp || !!o.signal?.aborted || (!!o.maxMessages && this.stats.attempted >= o.maxMessages);
    const timer = setTimeout(() => {
      timeUp = true;
      wake?.();
    }, o.durationMs);
    const onAbort = () => wake?.();
    o.signal?.addEventListener('abort', onAbort);
    this.#acks = new AckInbox(this.conn);
    try {
      // No await unless there is something to wait for: publishes started in one go are written to
      // the socket in one go (the client flushes in a microtask).
      for (let i = 0; !done(); i++) {
        if (this.#inFlight >= o.maxInFlight) {
          while (this.#inFlight >= o.maxInFlight && !done()) await new Promise<void>((r) => (wake = r));
          // refill on the next turn of the event loop: the acks of several socket reads free their slots
          // first, and the refill goes out in one write instead of one per read
          await new Promise<void>((r) => setImmediate(r));
        }
        if (done()) break;
        if (pacer.ahead(i) >= 1) {
          await pacer.wait(i, o.signal);
          if (done()) break;
        }
        this.stats.attempted++;
        this.#inFlight++;
        void this.#publishOne(i).finally(() => {
          this.#inFlight--;
          wake?.();
        });
      }
      while (this.#inFlight > 0) await new Promise<void>((r) => (wake = r));
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      this.#acks.close();
    }
    this.stats.elapsedMs = now() - this.#started;
    return this.stats;
  }

  async #publishOne(i: number): Promise<void> {
    const o = this.opts;
    const msgID = o.idPrefix !== undefined ? `${o.idPrefix}${i}` : undefined;
    const payload = stampPayload(o.size);
    const first = now();
    for (let attempt = 0; ; attempt++) {
      try {
        const pa = await this.#acks.publish(o.subject, payload, msgID, o.attemptTimeoutMs);
        const t = now();
        this.stats.acked++;
        if (pa.duplicate) this.stats.duplicateAcks++;
        this.latency.record((t - first) * 1000);
        this.acked.add(i);
        if (o.keepAckTimes) this.ackTimes.push(t);
        return;
      } catch (e) {
        const t = now();
        const c = o.signal?.aborted ? { code: 'aborted', transient: false } : classify(e);
        bump(this.stats.errors, c.code);
        this.attemptErrors.push({ at: t, kind: c.code });
        const left = o.retryBudgetMs - (t - first);
        if (!c.transient || msgID === undefined || left <= 0 || o.signal?.aborted || this.conn.closed) {
          this.stats.failed++;
          return;
        }
        this.stats.retried++;
        await sleep(Math.min(left, backoffMs(attempt, PUBLISH_BACKOFF)), o.signal);
      }
    }
  }
}
