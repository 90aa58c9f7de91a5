/**
 * The few things every order-pipeline service shares: where NATS is, connecting with
 * fail-over, one JSON line per event on stdout, and a clean stop on SIGTERM/SIGINT.
 * Nothing here is specific to one service; copy it along with the service you take.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';

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
