/**
 * Load primitives over the official clients, for `jetkeeper drill`, `jetkeeper bench` and bench/:
 *
 *   - JsPublisher: acked JetStream publishes with message IDs, a bounded number in flight, pacing to a
 *     rate (catching up after a stall), retries with jittered exponential backoff on timeout, 503 (no
 *     responders; js.publish() reports it as "JetStreamNotEnabled") and 10008/10074/10158 (no quorum,
 *     an earlier attempt still in process), counting attempted/acked/failed/retried and recording each
 *     publish's latency (first attempt → ack). A retry reuses the message ID, so a timed-out publish
 *     that was in fact stored is de-duplicated. Acks are collected on one inbox (AckInbox), as the Go
 *     client's PublishAsync does, rather than one js.publish() request each: a third of the CPU less.
 *   - probeJetStreamApi: one request of each kind with a short timeout, to see what clients see.
 *   - PullConsumerLoad: a durable pull consumer with explicit acks that records which IDs it saw.
 *   - readStream: reads a whole stream back (ordered consumer) and counts the IDs in it.
 *   - runCorePublish / startSubscriber: core NATS publish and subscribe.
 *   - startResponder / runRequests: request/reply.
 *
 * Payloads carry a send timestamp (see stampPayload) so a subscriber in another process can measure
 * end-to-end latency. Latencies are recorded in microseconds in a Histogram (src/lab/histogram.ts).
 * Every loop here is bounded in time (and optionally in count) and stops by itself.
 */
import { createInbox, headers as natsHeaders, type NatsConnection, type Msg, type Subscription } from '@nats-io/transport-node';
import {
  DeliverPolicy, jetstream, jetstreamManager, JetStreamApiError, type ConsumerMessages, type JetStreamClient, type JsMsg,
} from '@nats-io/jetstream';
import { Histogram } from './histogram.js';
import { openConnection } from './admin.js';
import { ClassifiedError, classify, isTransientApiCode } from './errors.js';
import { backoffMs, sleep } from './retry.js';
import type { ConnectionSettings } from './settings.js';

export { Histogram, backoffMs, sleep };

const now = (): number => performance.now();
const DECODER = new TextDecoder();
const FAST_ACK = /^\{"stream":"([^"\\]*)","seq":(\d+)\}$/;

/** A load connection (own client name, reconnects to the other servers when one goes away). */
export async function openLoadConnection(settings: ConnectionSettings, name: string): Promise<LoadConnection> {
  const nc = await openConnection({ ...settings, name });
  // nats.js builds two Error objects per request to give async stack traces (a third of the CPU of an
  // acked publish, measured); load connections do without. The options object is the connection's own.
  const options = (nc as unknown as { options?: { noAsyncTraces?: boolean } }).options;
  if (options && typeof options === 'object') options.noAsyncTraces = true;
  return new LoadConnection(nc, settings);
}

export class LoadConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly settings: ConnectionSettings;
  constructor(nc: NatsConnection, settings: ConnectionSettings) {
    this.nc = nc;
    this.settings = settings;
    this.js = jetstream(nc, { domain: settings.jsDomain, timeout: settings.timeoutMs ?? 10_000 });
  }
  /** the server this connection is on right now, e.g. `nats://127.0.0.1:4222` */
  get server(): string {
    return this.nc.getServer();
  }
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// errors

export interface ErrorClass {
  /** `timeout`, `no_responders` (503), `api_<code>`, `connection`, `aborted` or `other` */
  kind: string;
  /** a later retry of the same request may succeed */
  retryable: boolean;
}

/** Classifies a client error from a publish or request (the one table in errors.ts). */
export function classifyError(e: unknown): ErrorClass {
  const c = classify(e);
  return { kind: c.code, retryable: c.transient };
}

function bump(m: Record<string, number>, k: string, by = 1): void {
  m[k] = (m[k] ?? 0) + by;
}

// ---------------------------------------------------------------------------------------------
// pacing, ids, payloads

/** Message `i` is due at start + i/rate; a sender that fell behind (a stall) catches up. rate 0: no pacing. */
export class Pacer {
  readonly rate: number;
  readonly start: number;
  constructor(rate: number, start = now()) {
    this.rate = rate;
    this.start = start;
  }
  /** How many ms before message `i` is due (<= 0: due now). */
  ahead(i: number): number {
    return this.rate <= 0 ? 0 : this.start + (i * 1000) / this.rate - now();
  }
  /** Waits until message `i` is due (sleeps only when at least 1 ms ahead). */
  async wait(i: number, signal?: AbortSignal): Promise<void> {
    const ahead = this.ahead(i);
    if (ahead >= 1) await sleep(ahead, signal);
  }
}

/** Which message indexes were seen, and how often (up to 255). Grows as needed. */
export class IdCounts {
  #counts = new Uint8Array(1024);
  #max = -1;
  add(i: number): number {
    if (!Number.isInteger(i) || i < 0) return 0;
    if (i >= this.#counts.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.#counts.length * 2));
      grown.set(this.#counts);
      this.#counts = grown;
    }
    if (i > this.#max) this.#max = i;
    const c = this.#counts[i]!;
    if (c < 255) this.#counts[i] = c + 1;
    return c + 1;
  }
  get(i: number): number {
    return i >= 0 && i < this.#counts.length ? this.#counts[i]! : 0;
  }
  has(i: number): boolean {
    return this.get(i) > 0;
  }
  /** highest index seen, -1 when none */
  get maxIndex(): number {
    return this.#max;
  }
  /** number of distinct indexes seen */
  get distinct(): number {
    let n = 0;
    for (let i = 0; i <= this.#max; i++) if (this.#counts[i]! > 0) n++;
    return n;
  }
  /** extra copies beyond the first, summed */
  get extra(): number {
    let n = 0;
    for (let i = 0; i <= this.#max; i++) if (this.#counts[i]! > 1) n += this.#counts[i]! - 1;
    return n;
  }
  /** indexes with count > 1 */
  get duplicated(): number {
    let n = 0;
    for (let i = 0; i <= this.#max; i++) if (this.#counts[i]! > 1) n++;
    return n;
  }
  /** indexes seen here and not in `other` (the first `limit` are listed) */
  missingFrom(other: IdCounts, limit = 20): { count: number; sample: number[] } {
    const sample: number[] = [];
    let count = 0;
    for (let i = 0; i <= this.#max; i++) {
      if (this.#counts[i]! > 0 && !other.has(i)) {
        count++;
        if (sample.length < limit) sample.push(i);
      }
    }
    return { count, sample };
  }
}

/** The index of a message ID `${prefix}${i}`, or -1 when the ID is not one of ours. */
export function parseMsgId(id: string | undefined, prefix: string): number {
  if (!id || !id.startsWith(prefix)) return -1;
  const rest = id.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : -1;
}

/** bytes 0..3 of a stamped payload: "JKLT"; bytes 8..15: the send time, float64 little-endian */
const STAMP_MAGIC = new Uint8Array([0x4a, 0x4b, 0x4c, 0x54]);
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Wall clock in ms with sub-ms precision, comparable across processes on one machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

/** Payloads are cut from 256 KiB slabs (a view each, not a buffer each); a slab is freed with its last view. */
const SLAB_BYTES = 256 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;
function allocPayload(size: number): Uint8Array {
  if (size > SLAB_BYTES / 4) return new Uint8Array(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const buf = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return buf;
}

/** A payload of `size` bytes; when size >= 16 it carries a magic and the send time (see payloadSentAt). */
export function stampPayload(size: number): Uint8Array {
  const buf = allocPayload(Math.max(0, size));
  if (size >= 16) {
    buf.set(STAMP_MAGIC, 0);
    scratch[0] = wallMs();
    if (LITTLE_ENDIAN) buf.set(scratchBytes, 8);
    else for (let k = 0; k < 8; k++) buf[8 + k] = scratchBytes[7 - k]!;
  }
  return buf;
}

/** The send time stamped into a payload, or undefined. */
export function payloadSentAt(data: Uint8Array): number | undefined {
  if (data.length < 16 || data[0] !== 0x4a || data[1] !== 0x4b || data[2] !== 0x4c || data[3] !== 0x54) return undefined;
  for (let k = 0; k < 8; k++) scratchBytes[LITTLE_ENDIAN ? k : 7 - k] = data[8 + k]!;
  return scratch[0];
}

// ---------------------------------------------------------------------------------------------
// asynchronous JetStream publish acks

/** A failed publish attempt (ack inbox): `kind` as classifyError reports it. */
export class PublishAttemptError extends ClassifiedError {
  constructor(kind: string, retryable: boolean, message: string) {
    super({ code: kind, transient: retryable }, message);
    this.name = 'PublishAttemptError';
  }
  get kind(): string {
    return this.code;
  }
  get retryable(): boolean {
    return this.transient;
  }
}

export interface PubAckInfo {
  stream: string;
  seq: number;
  duplicate: boolean;
}

interface PendingAck {
  resolve(a: PubAckInfo): void;
  reject(e: Error): void;
  deadline: number;
}

/**
 * JetStream publishes with their acks collected on one wildcard inbox subscription, as the Go client's
 * PublishAsync does: no per-request timer, promise race or Error object per message (nats.js's
 * request() builds one even on success), timeouts found by a sweep every 50 ms. The broker sees the
 * same thing as from js.publish(): a message with a reply subject, and answers with a PubAck (or 503
 * no responders, or an API error) on it.
 */
export class AckInbox {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #pending = new Map<string, PendingAck>();
  readonly #sub: Subscription;
  readonly #sweeper: ReturnType<typeof setInterval>;
  #seq = 0;
  /** performance.now() as of the last sweep (deadlines are only checked then, every 50 ms) */
  #clock = now();

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#prefix = `${createInbox()}.`;
    this.#sub = nc.subscribe(`${this.#prefix}*`, { callback: (_err, m) => this.#onAck(m) });
    this.#sweeper = setInterval(() => this.#sweep(), 50);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Publishes; resolves with the PubAck, rejects with a PublishAttemptError. */
  publish(subject: string, payload: Uint8Array, msgID: string | undefined, timeoutMs: number): Promise<PubAckInfo> {
    const token = (++this.#seq).toString(36);
    return new Promise<PubAckInfo>((resolve, reject) => {
      try {
        let headers;
        if (msgID !== undefined) {
          headers = natsHeaders();
          headers.set('Nats-Msg-Id', msgID);
        }
        this.#nc.publish(subject, payload, { reply: this.#prefix + token, headers });
      } catch (e) {
        const c = classifyError(e);
        reject(new PublishAttemptError(c.kind, c.retryable, (e as Error).message));
        return;
      }
      this.#pending.set(token, { resolve, reject, deadline: this.#clock + timeoutMs });
    });
  }

  #onAck(m: Msg): void {
    const token = m.subject.slice(this.#prefix.length);
    const p = this.#pending.get(token);
    if (!p) return; // late ack of a timed-out attempt
    this.#pending.delete(token);
    if (m.data.length === 0) {
      const code = m.headers?.code ?? 0;
      if (code === 503) p.reject(new PublishAttemptError('no_responders', true, '503 no responders: no stream leader for the subject'));
      else p.reject(new PublishAttemptError(code ? `status_${code}` : 'other', code === 408, `empty ack${code ? ` (status ${code} ${m.headers?.description ?? ''})` : ''}`));
      return;
    }
    const text = DECODER.decode(m.data);
    // fast path for the common ack, `{"stream":"S","seq":N}` (a domain or `"duplicate":true` take the slow one)
    const fast = FAST_ACK.exec(text);
    if (fast) {
      p.resolve({ stream: fast[1]!, seq: Number(fast[2]), duplicate: false });
      return;
    }
    let v: { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
    try {
      v = JSON.parse(text) as typeof v;
    } catch {
      p.reject(new PublishAttemptError('other', false, 'ack is not JSON'));
      return;
    }
    if (v.error) {
      const code = v.error.err_code ?? v.error.code ?? 0;
      p.reject(new PublishAttemptError(`api_${code}`, isTransientApiCode(code), `${v.error.description ?? 'error'} (err_code ${code})`));
    } else {
      p.resolve({ stream: v.stream ?? '', seq: v.seq ?? 0, duplicate: !!v.duplicate });
    }
  }

  #sweep(): void {
    const t = (this.#clock = now());
    if (this.#pending.size === 0) return;
    for (const [token, p] of this.#pending) {
      if (p.deadline <= t) {
        this.#pending.delete(token);
        p.reject(new PublishAttemptError('timeout', true, 'publish ack timed out'));
      }
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
    if (!this.#sub.isClosed()) this.#sub.unsubscribe();
    for (const p of this.#pending.values()) p.reject(new PublishAttemptError('aborted', false, 'publisher closed'));
    this.#pending.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// acked JetStream publisher

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
  /** failed attempts by kind (see classifyError) */
  errors: Record<string, number>;
  elapsedMs: number;
}

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
    this.#acks = new AckInbox(this.conn.nc);
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
        const c = o.signal?.aborted ? { kind: 'aborted', retryable: false } : classifyError(e);
        bump(this.stats.errors, c.kind);
        this.attemptErrors.push({ at: t, kind: c.kind });
        const left = o.retryBudgetMs - (t - first);
        if (!c.retryable || msgID === undefined || left <= 0 || o.signal?.aborted || this.conn.nc.isClosed()) {
          this.stats.failed++;
          return;
        }
        this.stats.retried++;
        await sleep(Math.min(left, backoffMs(attempt)), o.signal);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// pull consumer

export interface PullConsumerOptions {
  stream: string;
  /** durable consumer name (must exist) */
  consumer: string;
  /** IDs `${idPrefix}${i}` are counted in `delivered` */
  idPrefix: string;
  /** messages buffered per pull (default 256) */
  batch?: number;
  /** pull request expiry in ms (default 5 s; the client's default is 30 s) */
  expiresMs?: number;
  /** count deliveries flagged redelivered (parses each message's reply subject; default true) */
  countRedeliveries?: boolean;
  /** called for each delivery of one of our IDs; `first`: the first delivery of that ID */
  onMessage?: (index: number, first: boolean) => void;
  signal?: AbortSignal;
}

/** A durable pull consumer with explicit acks. Keeps consuming across leader changes until stop(). */
export class PullConsumerLoad {
  readonly conn: LoadConnection;
  readonly opts: PullConsumerOptions;
  /** deliveries by message index (redeliveries counted again) */
  readonly delivered = new IdCounts();
  /** all deliveries, including redeliveries and foreign messages */
  deliveries = 0;
  /** deliveries the server flagged as redelivered */
  redelivered = 0;
  /** deliveries without one of our IDs */
  foreign = 0;
  /** end-to-end latency from the payload's send stamp, µs */
  readonly latency = new Histogram();
  /** consume() loops restarted after an error */
  restarts = 0;
  /** status notifications by type (heartbeats_missed, no_responders, ...) */
  readonly notifications: Record<string, number> = {};
  #stopped = false;
  #toAck: JsMsg[] = [];
  readonly #ackAll = (): void => {
    const batch = this.#toAck;
    this.#toAck = [];
    for (const m of batch) {
      try {
        m.ack();
      } catch {
        /* connection closed: the server redelivers after ack_wait */
      }
    }
  };
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;

  constructor(conn: LoadConnection, opts: PullConsumerOptions) {
    this.conn = conn;
    this.opts = opts;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped && !this.opts.signal?.aborted && !this.conn.nc.isClosed()) {
      try {
        const c = await this.conn.js.consumers.get(this.opts.stream, this.opts.consumer);
        // A short pull expiry (idle heartbeat = half of it): with the default 30 s a pull request that
        // died with its consumer leader is noticed only after ~30-60 s, and consume() sits idle meanwhile.
        // A callback (not the async iterator): the messages of one socket read are handled, and their
        // acks written, in one go.
        const msgs = await c.consume({
          max_messages: this.opts.batch ?? 256,
          expires: this.opts.expiresMs ?? 5_000,
          callback: (m) => this.#onMessage(m),
        });
        this.#messages = msgs;
        if (this.#stopped) {
          await msgs.close().catch(() => {});
          break;
        }
        void (async () => {
          for await (const s of msgs.status()) bump(this.notifications, s.type);
        })().catch(() => {});
        await msgs.closed();
      } catch {
        /* consumer lookup failed (no leader, no quorum): try again */
      }
      if (this.#stopped) break;
      this.restarts++;
      await sleep(250 + Math.random() * 250, this.opts.signal);
    }
  }

  #onMessage(m: JsMsg): void {
    this.deliveries++;
    if (this.opts.countRedeliveries !== false && m.redelivered) this.redelivered++;
    const i = parseMsgId(m.headers?.get('Nats-Msg-Id'), this.opts.idPrefix);
    const sent = payloadSentAt(m.data);
    if (sent !== undefined) this.latency.record((wallMs() - sent) * 1000);
    // acks are sent on the next turn of the event loop, those of several socket reads in one write
    this.#toAck.push(m);
    if (this.#toAck.length === 1) setImmediate(this.#ackAll);
    if (i < 0) this.foreign++;
    else {
      const n = this.delivered.add(i);
      this.opts.onMessage?.(i, n === 1);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#messages?.close().catch(() => {});
    await this.#loop?.catch(() => {});
  }

  /** Ends the current consume() so the loop starts a fresh one (for a consumer that stalled). */
  async resubscribe(): Promise<void> {
    await this.#messages?.close().catch(() => {});
  }

  /** The server's view of this consumer: pending and ack-pending counts (undefined when unreachable). */
  async pending(timeoutMs = 2_000): Promise<{ numPending: number; numAckPending: number } | undefined> {
    try {
      const jsm = await jetstreamManager(this.conn.nc, { timeout: timeoutMs, domain: this.conn.settings.jsDomain });
      const ci = await jsm.consumers.info(this.opts.stream, this.opts.consumer);
      return { numPending: ci.num_pending, numAckPending: ci.num_ack_pending };
    } catch {
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// probing the JetStream API

export type ApiProbe = 'stream_info' | 'consumer_info' | 'account_info' | 'stream_names';

/**
 * Sends one request of each kind with a short timeout and classifies each outcome: `ok`, `timeout`,
 * `no_responders`, `api_<code>` (10008: no quorum). For drills: what a client sees while servers are down.
 */
export async function probeJetStreamApi(conn: LoadConnection, stream: string, consumer: string, timeoutMs = 1_500): Promise<Record<ApiProbe, string>> {
  const jsm = await jetstreamManager(conn.nc, { timeout: timeoutMs, domain: conn.settings.jsDomain, checkAPI: false });
  const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => classifyError(e).kind);
  const names = async (): Promise<void> => {
    for await (const _ of jsm.streams.names()) break;
  };
  const [si, ci, ai, sn] = await Promise.all([
    outcome(jsm.streams.info(stream)),
    outcome(jsm.consumers.info(stream, consumer)),
    outcome(jsm.getAccountInfo()),
    outcome(names()),
  ]);
  return { stream_info: si, consumer_info: ci, account_info: ai, stream_names: sn };
}

// ---------------------------------------------------------------------------------------------
// reading a stream back

export interface StreamReadback {
  /** messages read */
  messages: number;
  /** our IDs in the stream (count > 1: a duplicate) */
  ids: IdCounts;
  /** messages without one of our IDs */
  foreign: number;
  /** last sequence read */
  lastSeq: number;
  /** stopped by the timeout before reaching the target sequence */
  complete: boolean;
}

/** Reads `stream` from its first message up to `lastSeq` with an ordered consumer (bounded by `timeoutMs`). */
export async function readStream(conn: LoadConnection, stream: string, idPrefix: string, lastSeq: number, timeoutMs = 60_000): Promise<StreamReadback> {
  const out: StreamReadback = { messages: 0, ids: new IdCounts(), foreign: 0, lastSeq: 0, complete: lastSeq <= 0 };
  if (lastSeq <= 0) return out;
  const c = await conn.js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const msgs = await c.consume({ max_messages: 1000 });
  const timer = setTimeout(() => void msgs.close().catch(() => {}), timeoutMs);
  try {
    for await (const m of msgs) {
      out.messages++;
      out.lastSeq = m.seq;
      const i = parseMsgId(m.headers?.get('Nats-Msg-Id'), idPrefix);
      if (i < 0) out.foreign++;
      else out.ids.add(i);
      if (m.seq >= lastSeq) {
        out.complete = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    await msgs.close().catch(() => {});
  }
  return out;
}

/** The name of the stream that captures `subject`, or undefined. */
export async function streamForSubject(conn: LoadConnection, subject: string): Promise<string | undefined> {
  const jsm = await jetstreamManager(conn.nc, { domain: conn.settings.jsDomain, timeout: conn.settings.timeoutMs ?? 10_000 });
  try {
    return await jsm.streams.find(subject);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// core NATS

export interface LoadStats {
  /** messages / requests started */
  attempted: number;
  /** published, received or answered */
  completed: number;
  failed: number;
  errors: Record<string, number>;
  bytes: number;
  elapsedMs: number;
}

function newStats(): LoadStats {
  return { attempted: 0, completed: 0, failed: 0, errors: {}, bytes: 0, elapsedMs: 0 };
}

export interface CorePublishOptions {
  subject: string;
  size: number;
  /** msgs/s, 0 = as fast as possible */
  rate: number;
  durationMs: number;
  maxMessages?: number;
  signal?: AbortSignal;
}

/** Core publishes (no acks) with pacing; flushes every 4,096 messages so buffers stay bounded. */
export async function runCorePublish(conn: LoadConnection, o: CorePublishOptions, stats: LoadStats = newStats()): Promise<LoadStats> {
  const start = now();
  const pacer = new Pacer(o.rate, start);
  try {
    for (let i = 0; ; i++) {
      if (o.signal?.aborted || (o.maxMessages && i >= o.maxMessages)) break;
      // the clock is read every 64 messages at full speed, every message when paced
      if ((o.rate > 0 || (i & 63) === 0) && now() - start >= o.durationMs) break;
      if (pacer.ahead(i) >= 1) {
        await pacer.wait(i, o.signal);
        if (o.signal?.aborted || now() - start >= o.durationMs) break;
      }
      stats.attempted++;
      try {
        conn.nc.publish(o.subject, stampPayload(o.size));
        stats.completed++;
        stats.bytes += o.size;
      } catch (e) {
        stats.failed++;
        bump(stats.errors, classifyError(e).kind);
        if (conn.nc.isClosed()) break;
      }
      if (i % 4096 === 4095) await conn.nc.flush().catch(() => {});
    }
    await conn.nc.flush().catch(() => {});
  } finally {
    stats.elapsedMs = now() - start;
  }
  return stats;
}

export interface SubscriberHandle {
  stats: LoadStats;
  /** end-to-end latency from the payload stamp, µs */
  latency: Histogram;
  /** performance.now() of the first message, or undefined */
  firstAt(): number | undefined;
  stop(): Promise<void>;
}

/** Subscribes to `subject` (optionally in a queue group) and counts; latency from stamped payloads. */
export function startSubscriber(conn: LoadConnection, subject: string, opts: { queue?: string; maxMessages?: number } = {}): SubscriberHandle {
  const stats = newStats();
  const latency = new Histogram();
  let first: number | undefined;
  const start = now();
  const sub: Subscription = conn.nc.subscribe(subject, {
    queue: opts.queue,
    max: opts.maxMessages || undefined,
    callback: (err, m: Msg) => {
      if (err) {
        stats.failed++;
        bump(stats.errors, classifyError(err).kind);
        return;
      }
      first ??= now();
      stats.completed++;
      stats.bytes += m.data.length;
      const sent = payloadSentAt(m.data);
      if (sent !== undefined) latency.record((wallMs() - sent) * 1000);
    },
  });
  return {
    stats,
    latency,
    firstAt: () => first,
    async stop() {
      stats.elapsedMs = now() - start;
      if (!sub.isClosed()) sub.unsubscribe();
    },
  };
}

/** Answers every request on `subject` with its own payload (queue group `jetkeeper-bench`). */
export function startResponder(conn: LoadConnection, subject: string, queue = 'jetkeeper-bench'): { served(): number; stop(): Promise<void> } {
  let served = 0;
  const sub = conn.nc.subscribe(subject, {
    queue,
    callback: (err, m: Msg) => {
      if (err) return;
      if (m.respond(m.data)) served++;
    },
  });
  return {
    served: () => served,
    async stop() {
      if (!sub.isClosed()) sub.unsubscribe();
      await conn.nc.flush().catch(() => {});
    },
  };
}

export interface RequestOptions {
  subject: string;
  size: number;
  /** msgs/s over all workers, 0 = as fast as the workers go */
  rate: number;
  durationMs: number;
  maxMessages?: number;
  /** requests in flight (workers), default 1 */
  concurrency?: number;
  /** per request, default 2 s */
  timeoutMs?: number;
  /** headers sent with every request (none by default) */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Request/reply with `concurrency` workers sharing one pacer; latency per request, µs. */
export async function runRequests(conn: LoadConnection, o: RequestOptions, stats: LoadStats = newStats(), latency = new Histogram()): Promise<{ stats: LoadStats; latency: Histogram }> {
  const start = now();
  const pacer = new Pacer(o.rate, start);
  let next = 0;
  const hdrs = o.headers ? natsHeaders() : undefined;
  for (const [k, v] of Object.entries(o.headers ?? {})) hdrs!.set(k, v);
  const worker = async (): Promise<void> => {
    for (;;) {
      if (o.signal?.aborted || now() - start >= o.durationMs || (o.maxMessages && next >= o.maxMessages) || conn.nc.isClosed()) return;
      const i = next++;
      await pacer.wait(i, o.signal);
      if (o.signal?.aborted || now() - start >= o.durationMs) return;
      stats.attempted++;
      const t = now();
      try {
        const r = await conn.nc.request(o.subject, stampPayload(o.size), { timeout: o.timeoutMs ?? 2_000, headers: hdrs });
        latency.record((now() - t) * 1000);
        stats.completed++;
        stats.bytes += o.size + r.data.length;
      } catch (e) {
        stats.failed++;
        const c = classifyError(e);
        bump(stats.errors, c.kind);
        // no responders answers at once: do not spin
        if (c.kind === 'no_responders') await sleep(backoffMs(0), o.signal);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 1) }, worker));
  } finally {
    stats.elapsedMs = now() - start;
  }
  return { stats, latency };
}

export interface JsSubscribeOptions {
  stream: string;
  /** only this subject (a filter; the stream's subjects when undefined) */
  subject?: string;
  /** only messages published from now on (default: from the start of the stream) */
  deliverNew?: boolean;
  durationMs: number;
  maxMessages?: number;
  signal?: AbortSignal;
}

/** Reads a stream with an ordered consumer for `durationMs` (or `maxMessages`); latency from stamped payloads, µs. */
export async function runJsSubscribe(conn: LoadConnection, o: JsSubscribeOptions, stats: LoadStats = newStats(), latency = new Histogram()): Promise<{ stats: LoadStats; latency: Histogram }> {
  const start = now();
  const c = await conn.js.consumers.get(o.stream, {
    filter_subjects: o.subject,
    deliver_policy: o.deliverNew ? DeliverPolicy.New : DeliverPolicy.All,
  });
  const msgs = await c.consume({ max_messages: 1000 });
  const close = () => void msgs.close().catch(() => {});
  const timer = setTimeout(close, Math.max(0, o.durationMs));
  o.signal?.addEventListener('abort', close, { once: true });
  try {
    for await (const m of msgs) {
      stats.attempted++;
      stats.completed++;
      stats.bytes += m.data.length;
      const sent = payloadSentAt(m.data);
      if (sent !== undefined) latency.record((wallMs() - sent) * 1000);
      if (o.maxMessages && stats.completed >= o.maxMessages) break;
    }
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', close);
    await msgs.close().catch(() => {});
    stats.elapsedMs = now() - start;
  }
  return { stats, latency };
}

export { newStats as newLoadStats };
