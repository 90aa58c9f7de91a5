/**
 * checkout: for each new order, asks the fraud service for a decision (Core NATS request/reply:
 * nothing is stored), then publishes `orders.created` to JetStream and waits for the PubAck.
 * The order is only "placed" once a PubAck says the ORDERS stream (R3) has stored it.
 *
 *   NATS_URL=nats://127.0.0.1:4222,nats://127.0.0.1:4223 node dist/examples/order-pipeline/checkout.js --count 5
 *
 * Flags (or env):  --count N      ORDER_COUNT   orders to place (default 2)
 *                  --rate R       ORDER_RATE    orders per second, 0 = as fast as PubAcks come (default 5)
 *                  --prefix P     ORDER_PREFIX  order id prefix (default "ord-")
 *                  --start S      ORDER_START   first order number (default 1001): ids ord-1001, ord-1002, ...
 *                  FRAUD_FALLBACK_LIMIT         approve up to this total when fraud does not answer (default 1000)
 *
 * Why a message ID (`Nats-Msg-Id` = the order id): a publish whose PubAck timed out may still have
 * been stored (the stream leader wrote it, then died before answering). Retrying with the same ID
 * is safe: within the stream's duplicate window (2 minutes by default) the stream drops the copy
 * and the PubAck says `duplicate: true`. Running checkout twice with the same ids is safe too.
 */
import { parseArgs } from 'node:util';
import { jetstream, JetStreamApiError, type PubAck } from '@nats-io/jetstream';
import { connectNats, errorText, logger, numberArg, onShutdown, sleep, type Order } from './lib.js';

const { values } = parseArgs({
  options: { count: { type: 'string' }, rate: { type: 'string' }, prefix: { type: 'string' }, start: { type: 'string' } },
});
const count = numberArg(values.count ?? process.env.ORDER_COUNT, 2);
const rate = numberArg(values.rate ?? process.env.ORDER_RATE, 5);
const prefix = values.prefix ?? process.env.ORDER_PREFIX ?? 'ord-';
const start = numberArg(values.start ?? process.env.ORDER_START, 1001);
const fallbackLimit = numberArg(process.env.FRAUD_FALLBACK_LIMIT, 1000);

// Keep retrying a publish this long: a stream leader election after a crash takes ~5 s.
const RETRY_FOR_MS = 30_000;
const log = logger('checkout');
const nc = await connectNats('checkout', log);
// The timeout is per attempt; the retry loop below decides how long to keep trying.
const js = jetstream(nc, { timeout: 2_000 });

/** Asks fraud.check; answers locally when no fraud service replies in time. */
async function checkFraud(id: string, total: number): Promise<Order['fraud']> {
  try {
    const reply = await nc.request('fraud.check', JSON.stringify({ order_id: id, total }), { timeout: 500 });
    const { approved, score } = reply.json<{ approved: boolean; score: number }>();
    return { approved, score, fallback: false };
  } catch (err) {
    // No responder (fraud is down: fails at once) or a timeout: do not block checkout on it.
    // Orders up to the limit go through, marked so that someone reviews them later.
    const approved = total <= fallbackLimit;
    log('fraud-fallback', { id, approved, reason: errorText(err) });
    return { approved, score: -1, fallback: true };
  }
}

/**
 * Worth another attempt: timeouts, "503 no responders" (no stream leader during an election;
 * the client reports it as "jetstream is not enabled") and lost connections. An error the
 * stream itself returned is final, except 10008 "JetStream temporarily unavailable".
 */
function retryable(err: unknown): boolean {
  if (err instanceof JetStreamApiError) return err.code === 10008;
  return true;
}

/** Publishes with the order id as message ID, retrying with exponential backoff and jitter for up to 30 s. */
async function publishOrder(order: Order): Promise<PubAck & { attempts: number }> {
  const data = JSON.stringify(order);
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const ack = await js.publish('orders.created', data, { msgID: order.order_id });
      return { ...ack, attempts: attempt };
    } catch (err) {
      if (!retryable(err) || Date.now() - started > RETRY_FOR_MS) throw err;
      const delayMs = Math.round(Math.min(4_000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
      log('publish-retry', { id: order.order_id, attempt, delay_ms: delayMs, error: errorText(err) });
      await sleep(delayMs);
    }
  }
}

let stopRequested = false;
const stats = { published: 0, duplicates: 0, rejected: 0, failed: 0 };

async function run(): Promise<void> {
  for (let i = 0; i < count && !stopRequested; i++) {
    const id = `${prefix}${start + i}`;
    const total = Math.round((9.9 + ((start + i) * 37) % 490) * 100) / 100; // a stable made-up amount
    const fraud = await checkFraud(id, total);
    if (!fraud.approved) {
      stats.rejected++;
      log('rejected', { id, total, score: fraud.score, fallback: fraud.fallback });
      continue;
    }
    const order: Order = { order_id: id, total, created_at: new Date().toISOString(), fraud };
    try {
      const ack = await publishOrder(order);
      if (ack.duplicate) stats.duplicates++;
      else stats.published++;
      log('published', { id, seq: ack.seq, stream: ack.stream, duplicate: ack.duplicate, attempts: ack.attempts, fraud_fallback: fraud.fallback });
    } catch (err) {
      stats.failed++;
      log('publish-failed', { id, error: errorText(err) });
    }
    if (rate > 0) await sleep(1000 / rate);
  }
  // drain: flush what was sent, then close
  await nc.drain();
  log('done', stats);
}

const finished = run();
onShutdown(log, async () => {
  stopRequested = true; // finish the order in hand, place no new ones
  await finished;
});
await finished;
process.exitCode = stats.failed > 0 ? 1 : 0;
