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
 * Same ack discipline as fulfillment.ts, run by consumeUntilStopped (lib.ts); once the ack is
 * confirmed, the work queue has deleted the task. Rendering can be slow, so msg.working() resets
 * the consumer's ackWait (60s) while it runs; a task that is not acked in time goes to another worker.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { connectNats, consumeUntilStopped, logger, numberArg, sleep } from './lib.js';

const worker = process.env.WORKER_ID || `pid-${process.pid}`;
const renderMs = numberArg(process.env.RENDER_MS, 100);

const log = logger('pdf-worker');
const nc = await connectNats(`pdf-worker-${worker}`, log);

/** A task as fulfillment queues it, with Nats-Msg-Id = invoice-<order id>. */
interface Task { order_id: string; kind: string }

/** Throws on a poison message: not JSON, or no order_id. */
function parseTask(msg: JsMsg): Task {
  const task = msg.json<Task>();
  if (typeof task.order_id !== 'string') throw new Error('no order_id');
  return task;
}

/** Renders the PDF and says where it went (a stand-in: it only waits RENDER_MS). */
async function render(task: Task, msg: JsMsg): Promise<Record<string, unknown>> {
  const keepAlive = setInterval(() => msg.working(), 15_000);
  try {
    await sleep(renderMs);
    return { order_id: task.order_id, file: `pdf/${task.kind}-${task.order_id}.pdf` };
  } finally {
    clearInterval(keepAlive);
  }
}

await consumeUntilStopped({
  nc, log, stream: 'PDF_TASKS', durable: 'pdf-workers',
  // Few messages at a time: a worker holds only what it can start soon, and the rest of
  // the queue stays available to the other copies.
  maxMessages: 4,
  nakDelayMs: 5_000, // the renderer failed: try again in 5s, maybe on another worker
  parse: parseTask,
  work: render,
  fields: { worker }, // on every per-message line, to see which copy took which task
});
