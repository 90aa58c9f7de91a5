/**
 * The few things every order-pipeline service shares: where NATS is, connecting with
 * fail-over, one JSON line per event on stdout, a clean stop on SIGTERM/SIGINT, and the
 * consume loop with its ack discipline that every consumer service runs (consumeUntilStopped).
 * Nothing here is specific to one service; copy it along with the service you take.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';

/** An order as checkout publishes it on `orders.created`. */
export interface Order {
  order_id: string;
  total: number;
  created_at: string;
  fraud: { approved: boolean; score: number; fallback: boolean };
}

export type Log = (event: string, fields?: Record<string, unknown>) => void;

/** A logger that writes `{"ts","service","event",...fields}` as one line per event. */
export function logger(service: string): Log {
  return (event, fields = {}) => {
    process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), service, event, ...fields }) + '\n');
  };
}

/** `$NATS_URL`, comma separated: list every server so the client can fail over between them. */
export function natsServers(): string[] {
  const urls = (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((u) => u.trim()).filter(Boolean);
  return urls.length ? urls : ['nats://127.0.0.1:4222'];
}

/**
 * Connects to any of the servers and keeps reconnecting forever: a killed server is routine
 * in a cluster, not a reason for the service to die. Disconnects and reconnects are logged.
 */
export async function connectNats(name: string, log: Log): Promise<NatsConnection> {
  const nc = await connect({ servers: natsServers(), name, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  log('connected', { server: nc.getServer() });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') log(s.type, { server: s.server });
    }
  })();
  return nc;
}

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits (with process.exitCode, 0 unless
 * set; 1 if `stop` failed).
 * `stop` should stop taking new work, finish what is in flight and close the connection.
 */
export function onShutdown(log: Log, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    stop().then(
      () => {
        log('stopped');
        process.exit();
      },
      (err: unknown) => {
        log('error', { message: errorText(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A positive number from `value` (a flag or env var), else `fallback`. */
export function numberArg(value: string | undefined, fallback: number): number {
  const n = value === undefined || value === '' ? NaN : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ConsumeOptions<T> {
  nc: NatsConnection;
  log: Log;
  /** The stream and the durable pull consumer on it, declared in order-pipeline.yaml. */
  stream: string;
  durable: string;
  /** How many messages to hold at a time (see consumeUntilStopped). */
  maxMessages: number;
  /** How long a nak'ed message waits before it is redelivered. */
  nakDelayMs: number;
  /**
   * Reads and checks the message. Throwing means poison (not JSON, a field missing): the
   * message is terminated, because no retry can fix it.
   */
  parse: (msg: JsMsg) => T;
  /**
   * The business work. Throwing means a transient failure: the message is nak'ed and comes
   * back after nakDelayMs. What it returns is added to the `processed` line.
   * It may run again for the same message (a redelivery), so it must be safe to repeat.
   */
  work: (value: T, msg: JsMsg) => Promise<Record<string, unknown> | void>;
  /** Added to every per-message line (terminated, nak, processed, ack-unconfirmed), e.g. `{ worker }`. */
  fields?: Record<string, unknown>;
}

/**
 * Binds to a durable pull consumer and works through its messages one at a time, until
 * SIGTERM/SIGINT. Resolves once it is bound and the loop has started; on SIGTERM/SIGINT the
 * process drains and exits.
 *
 * The ack discipline, for each message (logged as one line each, with `{id, seq, redelivered, deliveries}`):
 *   - not parseable: msg.term(), logged `terminated`. No retry can fix it, so stop redelivering now;
 *   - `work` throws: msg.nak(nakDelayMs), logged `nak`. Redelivered after the delay, at most
 *     maxDeliver times (5, in the manifests);
 *   - `work` done: ack, and wait for the server to confirm it (ackAck), logged `processed`. Once
 *     that returns, a crash cannot bring the message back;
 *   - the ack is not confirmed (e.g. the connection dropped): logged `ack-unconfirmed`. The ack may
 *     or may not have arrived; if not, the message comes back after ackWait and `work` runs again.
 * A slow `work` calls msg.working() itself, well inside the consumer's ackWait, so the message is
 * not handed to someone else meanwhile.
 *
 * On SIGTERM/SIGINT it stops pulling, handles and acks the messages it already holds, drains
 * the connection and exits 0. A message the server sent just as we stopped is redelivered to
 * the next worker after ackWait.
 */
export async function consumeUntilStopped<T>(opts: ConsumeOptions<T>): Promise<void> {
  const { nc, log, stream, durable } = opts;
  // The consumer is declared in the manifests and created by `jetkeeper apply`: bind to it, never create it here.
  const consumer = await jetstream(nc).consumers.get(stream, durable);

  async function handle(msg: JsMsg): Promise<void> {
    // the publisher sets Nats-Msg-Id (checkout: the order id; fulfillment: invoice-<order id>)
    const id = msg.headers?.get('Nats-Msg-Id') || `seq-${msg.seq}`;
    const at = { id, seq: msg.seq, redelivered: msg.redelivered, deliveries: msg.info.deliveryCount, ...opts.fields };
    let value: T;
    try {
      value = opts.parse(msg);
    } catch (err) {
      msg.term(); // poison: never redeliver
      log('terminated', { ...at, reason: errorText(err) });
      return;
    }
    let result: Record<string, unknown> | void;
    try {
      result = await opts.work(value, msg);
    } catch (err) {
      msg.nak(opts.nakDelayMs);
      log('nak', { ...at, retry_in_ms: opts.nakDelayMs, error: errorText(err) });
      return;
    }
    try {
      await msg.ackAck();
      log('processed', { ...at, ...result });
    } catch (err) {
      log('ack-unconfirmed', { ...at, error: errorText(err) });
    }
  }

  let stopping = false;
  let messages: ConsumerMessages | undefined;

  async function run(): Promise<void> {
    while (!stopping) {
      try {
        // max_messages: each service picks its batch; small means less to finish when stopping.
        // expires 10s (default 30s): each pull lives 10s and the server heartbeats every 5s. When
        // the consumer's leader dies, a 2.9 server forgets our pull without a word; two missed
        // heartbeats (10s) make the client pull again instead of waiting 30s.
        messages = await consumer.consume({ max_messages: opts.maxMessages, expires: 10_000 });
        // A stop that arrived while consume() was starting found nothing to close: close now.
        if (stopping) await messages.close();
        log('consuming', { stream, consumer: durable });
        for await (const msg of messages) await handle(msg);
      } catch (err) {
        // consume() failed or the iterator ended with an error: wait a second, then consume again
        // (a cluster that is electing a leader or reconnecting is routine, not a reason to exit)
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
}
