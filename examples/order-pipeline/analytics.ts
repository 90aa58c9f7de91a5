/**
 * analytics: reads the same `orders.created` events as fulfillment, independently, with its
 * own durable pull consumer `analytics-created` on ORDERS. This is why ORDERS uses limits
 * retention, not workqueue: each consumer keeps its own position, and a fixed analytics
 * job can replay the stream from the start while fulfillment carries on.
 *
 *   NATS_URL=nats://127.0.0.1:4222 node dist/examples/order-pipeline/analytics.js
 *
 * Env: WORK_MS  simulated work per event in ms (default 5)
 *
 * Same ack discipline as fulfillment.ts: ack after the work (confirmed with ackAck), nak with a
 * delay on a transient failure, term a poison message, and on SIGTERM/SIGINT stop pulling,
 * finish and ack what is held, close, exit 0.
 */
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connectNats, errorText, logger, numberArg, onShutdown, sleep, type Order } from './lib.js';

const STREAM = 'ORDERS';
const DURABLE = 'analytics-created';
const workMs = numberArg(process.env.WORK_MS, 5);

const log = logger('analytics');
const nc = await connectNats('analytics', log);
const js = jetstream(nc);
const consumer = await js.consumers.get(STREAM, DURABLE);

// Running totals. A redelivered event (acked but the ack was lost) must not count twice, so
// the aggregate is keyed by order id; a real job would keep this in its database.
const revenueByOrder = new Map<string, number>();

async function handle(msg: JsMsg): Promise<void> {
  const id = msg.headers?.get('Nats-Msg-Id') || `seq-${msg.seq}`;
  const at = { id, seq: msg.seq, redelivered: msg.redelivered, deliveries: msg.info.deliveryCount };
  let order: Order;
  try {
    order = msg.json<Order>();
    if (typeof order.total !== 'number') throw new Error('no total');
  } catch (err) {
    msg.term(); // poison: never redeliver
    log('terminated', { ...at, reason: errorText(err) });
    return;
  }
  try {
    await sleep(workMs);
    revenueByOrder.set(order.order_id, order.total);
  } catch (err) {
    msg.nak(2_000);
    log('nak', { ...at, error: errorText(err) });
    return;
  }
  try {
    await msg.ackAck();
    const revenue = [...revenueByOrder.values()].reduce((a, b) => a + b, 0);
    log('processed', { ...at, orders: revenueByOrder.size, revenue: Math.round(revenue * 100) / 100 });
  } catch (err) {
    log('ack-unconfirmed', { ...at, error: errorText(err) });
  }
}

let stopping = false;
let messages: ConsumerMessages | undefined;

async function run(): Promise<void> {
  while (!stopping) {
    try {
      // expires 10s: after a server failure a lost pull is noticed in ~10s (see fulfillment.ts)
      messages = await consumer.consume({ max_messages: 64, expires: 10_000 });
      log('consuming', { stream: STREAM, consumer: DURABLE });
      for await (const msg of messages) await handle(msg);
    } catch (err) {
      log('consume-error', { error: errorText(err) });
      await sleep(1_000);
    }
  }
}

const running = run();
onShutdown(log, async () => {
  stopping = true;
  await messages?.close(); // stop pulling; the loop finishes and acks what it already holds
  await running;
  await nc.drain();
});
