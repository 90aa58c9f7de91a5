/**
 * Core NATS load: paced publishes, subscribers and request/reply with latency percentiles; and a
 * timed read of a stream. Payloads carry a send stamp (payload.ts) so a subscriber in another process
 * measures end-to-end latency. Every loop is bounded in time (and optionally in count).
 */
import { messageHeaders } from '../nats/client.js';
import { classify } from '../nats/errors.js';
import { consumeOrdered, startEchoResponder, subscribeMessages, type LoadConnection } from '../nats/load.js';
import { PUBLISH_BACKOFF, backoffMs, sleep } from '../nats/retry.js';
import { Histogram } from './histogram.js';
import { Pacer, now } from './pacing.js';
import { payloadSentAt, stampPayload, wallMs } from './payload.js';
import { bump, newLoadStats, type LoadStats } from './stats.js';

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
export async function runCorePublish(conn: LoadConnection, o: CorePublishOptions, stats: LoadStats = newLoadStats()): Promise<LoadStats> {
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
        conn.publish(o.subject, stampPayload(o.size));
        stats.completed++;
        stats.bytes += o.size;
      } catch (e) {
        stats.failed++;
        bump(stats.errors, classify(e).code);
        if (conn.closed) break;
      }
      if (i % 4096 === 4095) await conn.flush().catch(() => {});
    }
    await conn.flush().catch(() => {});
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
  const stats = newLoadStats();
  const latency = new Histogram();
  let first: number | undefined;
  const start = now();
  const sub = subscribeMessages(conn, subject, opts, (data) => {
    first ??= now();
    stats.completed++;
    stats.bytes += data.length;
    const sent = payloadSentAt(data);
    if (sent !== undefined) latency.record((wallMs() - sent) * 1000);
  }, (code) => {
    stats.failed++;
    bump(stats.errors, code);
  });
  return {
    stats,
    latency,
    firstAt: () => first,
    async stop() {
      stats.elapsedMs = now() - start;
      sub.stop();
    },
  };
}

/** Answers every request on `subject` with its own payload (queue group `jetkeeper-bench`). */
export const startResponder = startEchoResponder;

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
export async function runRequests(conn: LoadConnection, o: RequestOptions, stats: LoadStats = newLoadStats(), latency = new Histogram()): Promise<{ stats: LoadStats; latency: Histogram }> {
  const start = now();
  const pacer = new Pacer(o.rate, start);
  let next = 0;
  const headers = messageHeaders(o.headers);
  const worker = async (): Promise<void> => {
    for (;;) {
      if (o.signal?.aborted || now() - start >= o.durationMs || (o.maxMessages && next >= o.maxMessages) || conn.closed) return;
      const i = next++;
      await pacer.wait(i, o.signal);
      if (o.signal?.aborted || now() - start >= o.durationMs) return;
      stats.attempted++;
      const t = now();
      try {
        const reply = await conn.request(o.subject, stampPayload(o.size), { timeoutMs: o.timeoutMs ?? 2_000, headers });
        latency.record((now() - t) * 1000);
        stats.completed++;
        stats.bytes += o.size + reply.length;
      } catch (e) {
        stats.failed++;
        const c = classify(e);
        bump(stats.errors, c.code);
        // no responders answers at once: do not spin
        if (c.code === 'no_responders') await sleep(backoffMs(0, PUBLISH_BACKOFF), o.signal);
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
export async function runJsSubscribe(conn: LoadConnection, o: JsSubscribeOptions, stats: LoadStats = newLoadStats(), latency = new Histogram()): Promise<{ stats: LoadStats; latency: Histogram }> {
  const start = now();
  try {
    await consumeOrdered(conn, o, (data) => {
      stats.attempted++;
      stats.completed++;
      stats.bytes += data.length;
      const sent = payloadSentAt(data);
      if (sent !== undefined) latency.record((wallMs() - sent) * 1000);
      return !(o.maxMessages && stats.completed >= o.maxMessages);
    });
  } finally {
    stats.elapsedMs = now() - start;
  }
  return { stats, latency };
}
