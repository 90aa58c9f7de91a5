/**
 * pdf-worker: renders the PDFs queued on `pdf.render.request`, from the work queue PDF_TASKS
 * (workqueue retention: a task is deleted once a worker acks it) through the durable pull
 * consumer `pdf-workers`. Run as many copies as you need: they all pull from the same consumer,
 * and each task goes to exactly one of them.
 *
 *   NATS_URL=nats://127.0.0.1:4222 WORKER_ID=w1 node dist/examples/order-pipeline/pdf-worker.js
 *   NATS_URL=nats://127.0.0.1:4222 WORKER_ID=w2 node dist/examples/order-pipeline/pdf-worker.js
 *
 * Env: WORKER_ID  name in the logs (default pid-<pid>)
 *      RENDER_MS  simulated render time in ms (default 100)
 *
 * Same ack discipline as fulfillment.ts. Rendering can be slow, so msg.working() resets the
 * consumer's ackWait (60s) while it runs; a task that is not acked in time goes to another worker.
 */
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connectNats, errorText, logger, numberArg, onShutdown, sleep } from './lib.js';

const STREAM = 'PDF_TASKS';
const DURABLE = 'pdf-workers';
const worker = process.env.WORKER_ID || `pid-${process.pid}`;
const renderMs = numberArg(process.env.RENDER_MS, 100);

const log = logger('pdf-worker');
const nc = await connectNats(`pdf-worker-${worker}`, log);
const js = jetstream(nc);
const consumer = await js.consumers.get(STREAM, DURABLE);

/** Renders the PDF and returns where it went (a stand-in: it only waits RENDER_MS). */
async function render(task: { order_id: string; kind: string }, msg: JsMsg): Promise<string> {
  const keepAlive = setInterval(() => msg.working(), 15_000);
  try {
    await sleep(renderMs);
    return `pdf/${task.kind}-${task.order_id}.pdf`;
  } finally {
    clearInterval(keepAlive);
  }
}

async function handle(msg: JsMsg): Promise<void> {
  // fulfillment sets Nats-Msg-Id to invoice-<order id>
  const id = msg.headers?.get('Nats-Msg-Id') || `seq-${msg.seq}`;
  const at = { id, seq: msg.seq, redelivered: msg.redelivered, deliveries: msg.info.deliveryCount, worker };
  let task: { order_id: string; kind: string };
  try {
    task = msg.json();
    if (typeof task.order_id !== 'string') throw new Error('no order_id');
  } catch (err) {
    msg.term(); // poison: never redeliver
    log('terminated', { ...at, reason: errorText(err) });
    return;
  }
  let file: string;
  try {
    file = await render(task, msg);
  } catch (err) {
    msg.nak(5_000); // the renderer failed: try again in 5s, maybe on another worker
    log('nak', { ...at, error: errorText(err) });
    return;
  }
  try {
    await msg.ackAck(); // confirmed: the work queue has deleted the task
    log('processed', { ...at, order_id: task.order_id, file });
  } catch (err) {
    log('ack-unconfirmed', { ...at, error: errorText(err) });
  }
}

let stopping = false;
let messages: ConsumerMessages | undefined;

async function run(): Promise<void> {
  while (!stopping) {
    try {
      // Few messages at a time: a worker holds only what it can start soon, and the rest of
      // the queue stays available to the other copies. expires: see fulfillment.ts.
      messages = await consumer.consume({ max_messages: 4, expires: 10_000 });
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
