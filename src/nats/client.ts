/**
 * The one client connection wrapper besides administration (JetStreamAdmin): a NATS connection
 * with its JetStream client and manager, both bound to the settings' JetStream domain and
 * timeout. The lab's probes, the load generator and the drills use it.
 */
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { openConnection } from './admin.js';
import { decodeNatsError } from './errors.js';
import type { ConnectionSettings } from './settings.js';

export interface NatsClientOptions {
  /** client name the server shows (default: settings.name, else `jetkeeper`) */
  name?: string;
  /**
   * Skip the async stack traces nats.js builds for each request (two Error objects per request:
   * a third of the CPU of an acked publish, measured). For load connections.
   */
  noAsyncTraces?: boolean;
}

/** A connection with JetStream bound to one domain; reconnects to the other servers when one goes away. */
export class NatsClient {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly settings: ConnectionSettings;
  readonly #managers = new Map<string, Promise<JetStreamManager>>();

  constructor(nc: NatsConnection, settings: ConnectionSettings) {
    this.nc = nc;
    this.settings = settings;
    this.js = jetstream(nc, { domain: settings.jsDomain, timeout: this.timeoutMs });
  }

  /** Opens a connection; a failure is a JkError naming where it tried. */
  static async connect(settings: ConnectionSettings, opts: NatsClientOptions = {}): Promise<NatsClient> {
    const nc = await openConnection({ ...settings, name: opts.name ?? settings.name });
    if (opts.noAsyncTraces) {
      // the options object is the connection's own
      const options = (nc as unknown as { options?: { noAsyncTraces?: boolean } }).options;
      if (options && typeof options === 'object') options.noAsyncTraces = true;
    }
    return new NatsClient(nc, settings);
  }

  /** the request timeout of the settings (default 10 s) */
  get timeoutMs(): number {
    return this.settings.timeoutMs ?? 10_000;
  }

  /** the server this connection is on right now, e.g. `127.0.0.1:4222` */
  get server(): string {
    return this.nc.getServer();
  }

  get closed(): boolean {
    return this.nc.isClosed();
  }

  /**
   * The JetStream manager for this domain with this request timeout (one per timeout, made once).
   * Without `checkAPI` it sends nothing until used, so it also works while JetStream is unavailable.
   */
  manager(timeoutMs = this.timeoutMs, checkAPI = false): Promise<JetStreamManager> {
    const key = `${timeoutMs}/${checkAPI}`;
    let m = this.#managers.get(key);
    if (!m) {
      m = jetstreamManager(this.nc, { domain: this.settings.jsDomain, timeout: timeoutMs, checkAPI });
      m.catch(() => this.#managers.delete(key));
      this.#managers.set(key, m);
    }
    return m;
  }

  /** A Core NATS publish (buffered; see flush). */
  publish(subject: string, payload: Uint8Array | string, opts: { reply?: string; headers?: MsgHdrs } = {}): void {
    this.nc.publish(subject, payload, opts);
  }

  /** Resolves when the server has everything published so far. */
  flush(): Promise<void> {
    return this.nc.flush();
  }

  /** A Core NATS request; resolves with the reply payload. */
  async request(subject: string, payload: Uint8Array, opts: { timeoutMs?: number; headers?: MsgHdrs } = {}): Promise<Uint8Array> {
    const r = await this.nc.request(subject, payload, { timeout: opts.timeoutMs ?? 2_000, headers: opts.headers });
    return r.data;
  }

  /** Closes the connection; a connection already closed (or failing to close) is fine. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.close().catch(() => {});
  }

  /** Runs `fn`, turning a client error into a JkError naming `resource`. */
  protected async call<T>(resource: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw decodeNatsError(e, resource, this.settings);
    }
  }
}

/** NATS message headers from a plain record (undefined when there are none). */
export function messageHeaders(h: Record<string, string> | undefined): MsgHdrs | undefined {
  const entries = Object.entries(h ?? {});
  if (!entries.length) return undefined;
  const out = natsHeaders();
  for (const [k, v] of entries) out.set(k, v);
  return out;
}
