/**
 * The client side of the load generator (src/load): what it sends and receives through the NATS
 * client, and nothing of its pacing, counting or latency keeping.
 *
 *   - openLoadConnection: the one client connection (NatsClient) without async stack traces.
 *   - AckInbox: JetStream publishes with their acks collected on one inbox, as the Go client's
 *     PublishAsync does, rather than one js.publish() request each (a third of the CPU less).
 *   - DurableConsumption: consumes a durable pull consumer with explicit acks across leader changes.
 *   - readStreamMessages / consumeOrdered: an ordered consumer over a stream.
 *   - subscribeMessages / startEchoResponder: core NATS subscribe and request/reply.
 *   - probeJetStreamApi: one request of each kind with a short timeout, to see what clients see.
 *
 * Errors are classified by errors.ts (one table, keyed on the JetStream err_code).
 */
import { createInbox, headers as natsHeaders, type NatsConnection, type Msg, type Subscription } from '@nats-io/transport-node';
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { NatsClient } from './client.js';
import { ClassifiedError, classify, classifyApiCode, classifyStatus } from './errors.js';
import { sleep } from './retry.js';
import type { ConnectionSettings } from './settings.js';

export type LoadConnection = NatsClient;

const now = (): number => performance.now();
const DECODER = new TextDecoder();
const FAST_ACK = /^\{"stream":"([^"\\]*)","seq":(\d+)\}$/;

/** A load connection (own client name, reconnects to the other servers when one goes away). */
export function openLoadConnection(settings: ConnectionSettings, name: string): Promise<LoadConnection> {
  return NatsClient.connect(settings, { name, noAsyncTraces: true });
}

// ---------------------------------------------------------------------------------------------
// asynchronous JetStream publish acks

/** A failed publish attempt (ack inbox): `kind` is classify()'s code. */
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

  constructor(conn: LoadConnection) {
    const nc = conn.nc;
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
        const c = classify(e);
        reject(new PublishAttemptError(c.code, c.transient, (e as Error).message));
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
      else {
        const c = code ? classifyStatus(code) : { code: 'other', transient: false };
        p.reject(new PublishAttemptError(c.code, c.transient, `empty ack${code ? ` (status ${code} ${m.headers?.description ?? ''})` : ''}`));
      }
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
      const c = classifyApiCode(code);
      p.reject(new PublishAttemptError(c.code, c.transient, `${v.error.description ?? 'error'} (err_code ${code})`));
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
// a durable pull consumer

/** One delivery from a consumer: the Nats-Msg-Id header, the payload, the server's redelivered flag. */
export interface Delivery {
  msgId: string | undefined;
  data: Uint8Array;
  redelivered: boolean;
  seq: number;
}

export interface DurableConsumptionOptions {
  stream: string;
  /** durable consumer name (must exist) */
  consumer: string;
  /** messages buffered per pull (default 256) */
  batch?: number;
  /** pull request expiry in ms (default 5 s; the client's default is 30 s) */
  expiresMs?: number;
  /** read the redelivered flag (parses each message's reply subject; default true) */
  redelivered?: boolean;
  signal?: AbortSignal;
}

/** Consumes a durable pull consumer with explicit acks until stop(), starting again after each error. */
export class DurableConsumption {
  readonly conn: LoadConnection;
  readonly opts: DurableConsumptionOptions;
  /** consume() loops restarted after an error */
  restarts = 0;
  /** status notifications by type (heartbeats_missed, no_responders, ...) */
  readonly notifications: Record<string, number> = {};
  readonly #onMessage: (d: Delivery) => void;
  #stopped = false;
  #toAck: JsMsg[] = [];
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
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

  constructor(conn: LoadConnection, opts: DurableConsumptionOptions, onMessage: (d: Delivery) => void) {
    this.conn = conn;
    this.opts = opts;
    this.#onMessage = onMessage;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped && !this.opts.signal?.aborted && !this.conn.closed) {
      try {
        await this.#consumeOnce();
      } catch {
        /* consumer lookup failed (no leader, no quorum): try again */
      }
      if (this.#stopped) break;
      this.restarts++;
      await sleep(250 + Math.random() * 250, this.opts.signal);
    }
  }

  async #consumeOnce(): Promise<void> {
    const c = await this.conn.js.consumers.get(this.opts.stream, this.opts.consumer);
    // A short pull expiry (idle heartbeat = half of it): with the default 30 s a pull request that
    // died with its consumer leader is noticed only after ~30-60 s, and consume() sits idle meanwhile.
    // A callback (not the async iterator): the messages of one socket read are handled, and their
    // acks written, in one go.
    const msgs = await c.consume({ max_messages: this.opts.batch ?? 256, expires: this.opts.expiresMs ?? 5_000, callback: (m) => this.#deliver(m) });
    this.#messages = msgs;
    if (this.#stopped) {
      await msgs.close().catch(() => {});
      return;
    }
    void (async () => {
      for await (const s of msgs.status()) this.notifications[s.type] = (this.notifications[s.type] ?? 0) + 1;
    })().catch(() => {});
    await msgs.closed();
  }

  #deliver(m: JsMsg): void {
    // acks are sent on the next turn of the event loop, those of several socket reads in one write
    this.#toAck.push(m);
    if (this.#toAck.length === 1) setImmediate(this.#ackAll);
    this.#onMessage({ msgId: m.headers?.get('Nats-Msg-Id'), data: m.data, redelivered: this.opts.redelivered !== false && m.redelivered, seq: m.seq });
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
}

/** The server's view of a consumer: pending and ack-pending counts (undefined when unreachable). */
export async function consumerPending(conn: LoadConnection, stream: string, consumer: string, timeoutMs = 2_000): Promise<{ numPending: number; numAckPending: number } | undefined> {
  try {
    const ci = await (await conn.manager(timeoutMs)).consumers.info(stream, consumer);
    return { numPending: ci.num_pending, numAckPending: ci.num_ack_pending };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// probing the JetStream API

export type ApiProbe = 'stream_info' | 'consumer_info' | 'account_info' | 'stream_names';

/**
 * Sends one request of each kind with a short timeout and classifies each outcome: `ok`, `timeout`,
 * `no_responders`, `api_<code>` (10008: no quorum), as classify() names them. For drills: what a client sees while servers are down.
 */
export async function probeJetStreamApi(conn: LoadConnection, stream: string, consumer: string, timeoutMs = 1_500): Promise<Record<ApiProbe, string>> {
  const jsm = await conn.manager(timeoutMs);
  const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => classify(e).code);
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
// ordered consumers

export interface OrderedRead {
  /** messages read */
  messages: number;
  /** last sequence read */
  lastSeq: number;
  /** reached the target sequence before the timeout */
  complete: boolean;
}

/** Reads `stream` from its first message up to `lastSeq` with an ordered consumer (bounded by `timeoutMs`). */
export async function readStreamMessages(conn: LoadConnection, stream: string, lastSeq: number, timeoutMs: number, onMessage: (d: Delivery) => void): Promise<OrderedRead> {
  const out: OrderedRead = { messages: 0, lastSeq: 0, complete: lastSeq <= 0 };
  if (lastSeq <= 0) return out;
  const c = await conn.js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const msgs = await c.consume({ max_messages: 1000 });
  const timer = setTimeout(() => void msgs.close().catch(() => {}), timeoutMs);
  try {
    for await (const m of msgs) {
      out.messages++;
      out.lastSeq = m.seq;
      onMessage({ msgId: m.headers?.get('Nats-Msg-Id'), data: m.data, redelivered: false, seq: m.seq });
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

export interface OrderedConsumeOptions {
  stream: string;
  /** only this subject (the stream's subjects when undefined) */
  subject?: string;
  /** only messages published from now on (default: from the start of the stream) */
  deliverNew?: boolean;
  durationMs: number;
  signal?: AbortSignal;
}

/** Consumes with an ordered consumer until `durationMs`, the signal, or `onMessage` returns false. */
export async function consumeOrdered(conn: LoadConnection, o: OrderedConsumeOptions, onMessage: (data: Uint8Array) => boolean): Promise<void> {
  const c = await conn.js.consumers.get(o.stream, { filter_subjects: o.subject, deliver_policy: o.deliverNew ? DeliverPolicy.New : DeliverPolicy.All });
  const msgs = await c.consume({ max_messages: 1000 });
  const close = () => void msgs.close().catch(() => {});
  const timer = setTimeout(close, Math.max(0, o.durationMs));
  o.signal?.addEventListener('abort', close, { once: true });
  try {
    for await (const m of msgs) if (!onMessage(m.data)) break;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', close);
    await msgs.close().catch(() => {});
  }
}

/** The name of the stream that captures `subject`, or undefined. */
export async function streamForSubject(conn: LoadConnection, subject: string): Promise<string | undefined> {
  try {
    return await (await conn.manager()).streams.find(subject);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// core NATS

/** Subscribes to `subject` (optionally in a queue group); `onError` gets classify()'s code. */
export function subscribeMessages(
  conn: LoadConnection, subject: string, opts: { queue?: string; maxMessages?: number },
  onMessage: (data: Uint8Array) => void, onError: (code: string) => void,
): { stop(): void } {
  const sub: Subscription = conn.nc.subscribe(subject, {
    queue: opts.queue,
    max: opts.maxMessages || undefined,
    callback: (err, m: Msg) => (err ? onError(classify(err).code) : onMessage(m.data)),
  });
  return { stop: () => void (sub.isClosed() || sub.unsubscribe()) };
}

/** Answers every request on `subject` with its own payload (queue group `jetkeeper-bench`). */
export function startEchoResponder(conn: LoadConnection, subject: string, queue = 'jetkeeper-bench'): { served(): number; stop(): Promise<void> } {
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
      await conn.flush().catch(() => {});
    },
  };
}
