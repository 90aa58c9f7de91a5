/**
 * fulfillment: works through every order on `orders.created` with the durable pull consumer
 * `fulfillment-created` on ORDERS (declared in order-pipeline.yaml: ackPolicy explicit,
 * ackWait 30s, maxDeliver 5). For each order it (pretends to) ship it and queues an invoice PDF
 * on `pdf.render.request` (the PDF_TASKS work queue), then acks.
 *
 *   NATS_URL=nats://127.0.0.1:4222 node dist/examples/order-pipeline/fulfillment.js
 *
 * Env: WORK_MS     simulated work per order in ms (default 20)
 *      FAIL_EVERY  fail the first delivery of every Nth stream sequence, to watch nak + redelivery (default 0: never)
 *
 * The ack discipline is the point of this example. consumeUntilStopped (lib.ts) runs it for
 * every message; this file says what is poison (parseOrder) and what the work is (fulfil):
 *   - ack only after the work is done; wait for the server to confirm it (ackAck);
 *   - msg.working() while a slow job runs, so ackWait does not expire and hand it to someone else;
 *   - msg.nak(delay) on a transient failure (fulfil throws): redelivered after the delay, at most maxDeliver times;
 *   - msg.term() on a poison message (parseOrder throws): no retry can fix it, so stop redelivering now.
 * On SIGTERM/SIGINT it stops pulling, finishes and acks what it already holds, then closes (exit 0).
 * A message the server sent just as we stopped is redelivered to the next worker after ackWait.
 */
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { connectNats, consumeUntilStopped, logger, numberArg, sleep, type Order } from './lib.js';

const workMs = numberArg(process.env.WORK_MS, 20);
const failEvery = numberArg(process.env.FAIL_EVERY, 0);

const log = logger('fulfillment');
const nc = await connectNats('fulfillment', log);
const js = jetstream(nc);

/** checkout publishes the order as JSON, with Nats-Msg-Id = the order id. Throws on a poison message. */
function parseOrder(msg: JsMsg): Order {
  const order = msg.json<Order>();
  if (typeof order.order_id !== 'string') throw new Error('no order_id');
  return order;
}

/**
 * The business work. Throws on a transient failure. It is safe to repeat for a redelivered
 * order: the invoice task has a message ID.
 */
async function fulfil(order: Order, msg: JsMsg): Promise<Record<string, unknown>> {
  // A slow job tells the server it is still alive, well inside ackWait (30s).
  const keepAlive = setInterval(() => msg.working(), 10_000);
  try {
    await sleep(workMs);
    if (failEvery > 0 && !msg.redelivered && msg.seq % failEvery === 0) throw new Error('simulated: warehouse API unavailable');
    // One invoice per order, even when this order is redelivered: the message ID deduplicates it.
    await js.publish('pdf.render.request', JSON.stringify({ order_id: order.order_id, kind: 'invoice' }), {
      msgID: `invoice-${order.order_id}`,
      timeout: 5_000,
    });
  } finally {
    clearInterval(keepAlive);
  }
  return { total: order.total }; // added to the `processed` line
}

await consumeUntilStopped({
  nc, log, stream: 'ORDERS', durable: 'fulfillment-created',
  // A small batch: less to finish when stopping, fair sharing when several copies run.
  maxMessages: 16,
  nakDelayMs: 2_000,
  parse: parseOrder,
  work: fulfil,
});
