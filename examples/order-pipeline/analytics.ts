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
 * Same ack discipline as fulfillment.ts, run by consumeUntilStopped (lib.ts): ack after the work
 * (confirmed with ackAck), nak with a delay on a transient failure, term a poison message, and
 * on SIGTERM/SIGINT stop pulling, finish and ack what is held, close, exit 0.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { connectNats, consumeUntilStopped, logger, numberArg, sleep, type Order } from './lib.js';

const workMs = numberArg(process.env.WORK_MS, 5);

const log = logger('analytics');
const nc = await connectNats('analytics', log);

// Running totals. A redelivered event (acked but the ack was lost) must not count twice, so
// the aggregate is keyed by order id; a real job would keep this in its database.
const revenueByOrder = new Map<string, number>();

/** Throws on a poison message: not JSON, or no total. */
function parseOrder(msg: JsMsg): Order {
  const order = msg.json<Order>();
  if (typeof order.total !== 'number') throw new Error('no total');
  return order;
}

/** Adds the order to the totals; returns them for the `processed` line. */
async function count(order: Order): Promise<Record<string, unknown>> {
  await sleep(workMs);
  revenueByOrder.set(order.order_id, order.total);
  const revenue = [...revenueByOrder.values()].reduce((a, b) => a + b, 0);
  return { orders: revenueByOrder.size, revenue: Math.round(revenue * 100) / 100 };
}

await consumeUntilStopped({
  nc, log, stream: 'ORDERS', durable: 'analytics-created',
  maxMessages: 64,
  nakDelayMs: 2_000,
  parse: parseOrder,
  work: count,
});
