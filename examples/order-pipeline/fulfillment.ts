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
 * The ack discipline, which is the point of this file:
 *   - ack only after the work is done; wait for the server to confirm it (ackAck);
 *   - msg.working() while a slow job runs, so ackWait does not expire and hand it to someone else;
 *   - msg.nak(delay) on a transient failure: redelivered after the delay, at most maxDeliver times;
 *   - msg.term() on a poison message (not JSON): no retry can fix it, so stop redelivering now.
 * On SIGTERM/SIGINT it stops pulling, finishes and acks what it already holds, then closes (exit 0).
 * A message the server sent just as we stopped is redelivered to the next worker after ackWait.
 */
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connectNats, errorText, logger, numberArg, onShutdown, sleep, type Order } from './lib.js';

const STREAM = 'ORDERS';
const DURABLE = 'fulfillment-created';
const workMs = numberArg(process.env.WORK_MS, 20);
const failEvery = numberArg(process.env.FAIL_EVERY, 0);

const log = logger('fulfillment');
const nc = await connectNats('fulfillment', log);
const js = jetstream(nc);
// The consumer is declared in the manifests and created by `jetkeeper apply`: bind to it, never create it here.
const consumer = await js.consumers.get(STREAM, DURABLE);

/** The business work. Throws on a transient failure. */
async function fulfil(order: Order, msg: JsMsg): Promise<void> {
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
}

async function handle(msg: JsMsg): Promise<void> {
  // checkout sets Nats-Msg-Id to the order id
  const id = msg.headers?.get('Nats-Msg-Id') || `seq-${msg.seq}`;
  const at = { id, seq: msg.seq, redelivered: msg.redelivered, deliveries: msg.info.deliveryCount };
  let order: Order;
  try {
    order = msg.json<Order>();
    if (typeof order.order_id !== 'string') throw new Error('no order_id');
  } catch (err) {
    msg.term();
    log('terminated', { ...at, reason: errorText(err) });
    return;
  }
  try {
    await fulfil(order, msg);
  } catch (err) {
    msg.nak(2_000);
    log('nak', { ...at, retry_in_ms: 2_000, error: errorText(err) });
    return;
  }
  try {
    await msg.ackAck();
    log('processed', { ...at, total: order.total });
  } catch (err) {
    // The ack may or may not have arrived. If not, the order comes back after ackWait, and the
    // work above is safe to repeat (the invoice task has a message ID).
    log('ack-unconfirmed', { ...at, error: errorText(err) });
  }
}

let stopping = false;
let messages: ConsumerMessages | undefined;

async function run(): Promise<void> {
  while (!stopping) {
    try {
      // A small batch: less to finish when stopping, fair sharing when several copies run.
      // expires 10s (default 30s): each pull lives 10s and the server heartbeats every 5s. When
      // the consumer's leader dies, a 2.9 server forgets our pull without a word; two missed
      // heartbeats (10s) make the client pull again instead of waiting 30s.
      messages = await consumer.consume({ max_messages: 16, expires: 10_000 });
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
  // close() stops pulling; the loop still gets every message already received, handles and
  // acks it, and the iterator ends after the last one.
  await messages?.close();
  await running;
  await nc.drain();
});
