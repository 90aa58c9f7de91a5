/**
 * Counting what a consumer delivers: a durable pull consumer that records which of our message IDs
 * it saw (and how often), and a whole-stream read back that counts the IDs stored.
 */
import {
  DurableConsumption, consumerPending, readStreamMessages, type Delivery, type LoadConnection,
} from '../nats/load.js';
import { Histogram } from './histogram.js';
import { IdCounts, parseMsgId } from './ids.js';
import { payloadSentAt, wallMs } from './payload.js';

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
  readonly #consumption: DurableConsumption;

  constructor(conn: LoadConnection, opts: PullConsumerOptions) {
    this.conn = conn;
    this.opts = opts;
    this.#consumption = new DurableConsumption(
      conn,
      { stream: opts.stream, consumer: opts.consumer, batch: opts.batch, expiresMs: opts.expiresMs, redelivered: opts.countRedeliveries, signal: opts.signal },
      (d) => this.#onMessage(d),
    );
  }

  /** consume() loops restarted after an error */
  get restarts(): number {
    return this.#consumption.restarts;
  }

  /** status notifications by type (heartbeats_missed, no_responders, ...) */
  get notifications(): Record<string, number> {
    return this.#consumption.notifications;
  }

  start(): void {
    this.#consumption.start();
  }

  #onMessage(d: Delivery): void {
    this.deliveries++;
    if (d.redelivered) this.redelivered++;
    const i = parseMsgId(d.msgId, this.opts.idPrefix);
    const sent = payloadSentAt(d.data);
    if (sent !== undefined) this.latency.record((wallMs() - sent) * 1000);
    if (i < 0) this.foreign++;
    else {
      const n = this.delivered.add(i);
      this.opts.onMessage?.(i, n === 1);
    }
  }

  stop(): Promise<void> {
    return this.#consumption.stop();
  }

  /** Ends the current consume() so the loop starts a fresh one (for a consumer that stalled). */
  resubscribe(): Promise<void> {
    return this.#consumption.resubscribe();
  }

  /** The server's view of this consumer: pending and ack-pending counts (undefined when unreachable). */
  pending(timeoutMs = 2_000): Promise<{ numPending: number; numAckPending: number } | undefined> {
    return consumerPending(this.conn, this.opts.stream, this.opts.consumer, timeoutMs);
  }
}

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

/** Reads `stream` from its first message up to `lastSeq` (bounded by `timeoutMs`) and counts our IDs in it. */
export async function readStream(conn: LoadConnection, stream: string, idPrefix: string, lastSeq: number, timeoutMs = 60_000): Promise<StreamReadback> {
  const ids = new IdCounts();
  let foreign = 0;
  const r = await readStreamMessages(conn, stream, lastSeq, timeoutMs, (d) => {
    const i = parseMsgId(d.msgId, idPrefix);
    if (i < 0) foreign++;
    else ids.add(i);
  });
  return { messages: r.messages, ids, foreign, lastSeq: r.lastSeq, complete: r.complete };
}
