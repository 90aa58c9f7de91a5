/**
 * The one door to the NATS client libraries: connect, read live JetStream state, write
 * streams and consumers. Errors are decoded by errors.ts, keyed on the JetStream err_code.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { channel } from 'node:diagnostics_channel';
import { readFile } from 'node:fs/promises';
import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import {
  credsAuthenticator, nkeyAuthenticator, type NatsConnection,
} from '@nats-io/transport-node';
import {
  jetstreamManager, JetStreamApiError, type JetStreamManager, type StreamConfig, type StreamInfo, type ConsumerConfig, type ConsumerInfo,
} from '@nats-io/jetstream';
import { JkError } from '../errors.js';
import { secretShape } from '../resources/account/map.js';
import { secretNotPath } from './overlay.js';
import { describeSettings, redactSecrets, splitUserInfo, type ConnectionSettings } from './settings.js';
import { decodeNatsError, JsApiCode } from './errors.js';

export { decodeNatsError };

export type JsonConfig = Record<string, unknown>;

export interface StreamSnapshot {
  config: JsonConfig;
  state: { messages: number; bytes: number; consumer_count: number; first_seq: number; last_seq: number };
  cluster?: { leader?: string; replicas?: { name: string; current: boolean; lag?: number; offline?: boolean }[] };
  created?: string;
}

export interface ConsumerSnapshot {
  stream: string;
  name: string;
  config: JsonConfig;
  num_pending: number;
  num_ack_pending: number;
  num_redelivered: number;
  num_waiting: number;
  cluster?: { leader?: string };
}

/** Streams and consumers to read by name. */
export interface LiveTargets {
  streams: readonly string[];
  consumers: readonly { stream: string; name: string }[];
}

export interface LiveSnapshot {
  serverVersion: string;
  streams: StreamSnapshot[];
  consumers: ConsumerSnapshot[];
}

/** A client StreamInfo as jetkeeper keeps it. */
function streamSnapshot(si: StreamInfo): StreamSnapshot {
  return { config: si.config as unknown as JsonConfig, state: si.state as unknown as StreamSnapshot['state'], cluster: si.cluster as StreamSnapshot['cluster'], created: si.created };
}

/** A client ConsumerInfo as jetkeeper keeps it. */
function consumerSnapshot(stream: string, ci: ConsumerInfo): ConsumerSnapshot {
  return {
    stream, name: ci.name, config: ci.config as unknown as JsonConfig, num_pending: ci.num_pending, num_ack_pending: ci.num_ack_pending,
    num_redelivered: ci.num_redelivered, num_waiting: ci.num_waiting, cluster: ci.cluster,
  };
}

/** Decodes a percent-encoded URL part; a malformed escape is taken literally. */
function decodePart(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * nats.js ignores the user info of server URLs (nats://user:pass@host, nats://token@host), which
 * the Go client and the nats CLI use. Takes it out of the URLs (the first URL that has it wins).
 */
export function splitUrlAuth(servers: readonly string[]): { servers: string[]; user?: string; pass?: string; token?: string } {
  let auth: { user?: string; pass?: string; token?: string } | undefined;
  const stripped = servers.map((url) => {
    const { scheme, cred, rest } = splitUserInfo(url);
    if (cred === undefined) return url;
    if (!auth && cred) {
      const i = cred.indexOf(':');
      auth = i >= 0 ? { user: decodePart(cred.slice(0, i)), pass: decodePart(cred.slice(i + 1)) } : { token: decodePart(cred) };
    }
    return `${scheme}${rest}`;
  });
  return { servers: stripped, ...auth };
}

/** The host of a server URL (`nats://u:p@10.0.0.1:4222` -> `10.0.0.1`, `[::1]:4222` -> `::1`), or ''. */
function hostOf(url: string): string {
  try {
    return new URL(`nats://${url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

/**
 * nats.js gives Node no server name for a server named by IP address (SNI cannot carry one), so
 * Node checks the certificate against "localhost" and a certificate for the IP is refused. When
 * that happens, the certificate is checked against the IP addresses the user named instead (Node
 * still verifies the chain to the CA).
 */
function serverIdentityCheck(servers: readonly string[]): (host: string, cert: PeerCertificate) => Error | undefined {
  const ips = [...new Set(servers.map(hostOf).filter((h) => isIP(h)))];
  return (host, cert) => {
    const err = checkServerIdentity(host, cert);
    if (!err || host !== 'localhost' || !ips.length) return err;
    return ips.some((ip) => checkServerIdentity(ip, cert) === undefined) ? undefined : err;
  };
}

/** Node's timers hold at most 2^31-1 ms; a larger value would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The connect timeout: a whole number of milliseconds a timer can hold (5 s when unset). */
function connectTimeout(ms: number | undefined): number {
  if (ms === undefined) return 5000;
  if (Number.isInteger(ms) && ms > 0 && ms <= MAX_TIMER_MS) return ms;
  throw new JkError('JK2004', { message: `a connection timeout of ${ms} ms is not a whole number from 1 to ${MAX_TIMER_MS}`, fix: 'give the timeout in milliseconds, e.g. 10000' });
}

/** A server URL with the tls:// scheme asks for TLS. */
function requiresTls(servers: readonly string[]): boolean {
  return servers.some((u) => /^tls:\/\//i.test(u.trim()));
}

async function connectOptions(s: ConnectionSettings): Promise<NodeConnectionOptions> {
  const fromUrls = splitUrlAuth(s.servers);
  const opts: NodeConnectionOptions = {
    servers: fromUrls.servers,
    name: s.name ?? 'jetkeeper',
    timeout: connectTimeout(s.timeoutMs),
    maxReconnectAttempts: 10,
  };
  for (const [what, path] of [['creds', s.creds], ['nkey seed', s.nkey]] as const) {
    const shape = path ? secretShape(path) : undefined;
    if (shape) throw secretNotPath(what, undefined, shape);
  }
  try {
    if (s.creds) opts.authenticator = credsAuthenticator(await readFile(s.creds));
    else if (s.nkey) opts.authenticator = nkeyAuthenticator(new TextEncoder().encode((await readFile(s.nkey, 'utf8')).trim()));
    else if (s.token) opts.token = s.token;
    else if (s.user) {
      opts.user = s.user;
      opts.pass = s.password;
    } else if (fromUrls.token) opts.token = fromUrls.token;
    else if (fromUrls.user) {
      opts.user = fromUrls.user;
      opts.pass = fromUrls.pass;
    }
  } catch (e) {
    throw new JkError('JK2004', { message: `cannot read credentials: ${(e as Error).message}`, fix: 'check the path and permissions of the `creds` / `nkey` file' });
  }
  // tls:// means TLS or nothing: nats.js alone would fall back to plain text on a server without TLS
  if (!s.tls && requiresTls(s.servers)) opts.tls = {} as NodeConnectionOptions['tls'];
  if (s.tls) {
    opts.tls = {
      caFile: s.tls.ca,
      certFile: s.tls.cert,
      keyFile: s.tls.key,
      handshakeFirst: s.tls.first,
      // passed on to tls.connect by the node transport
      checkServerIdentity: serverIdentityCheck(fromUrls.servers),
    } as NodeConnectionOptions['tls'];
  }
  return opts;
}

/** An OpenSSL alert from the server as words ("the server ended the TLS handshake: certificate required"). */
function tlsAlert(e: unknown): string | undefined {
  const err = e as Error & { code?: unknown };
  if (typeof err?.code !== 'string' || !err.code.startsWith('ERR_SSL_')) return undefined;
  const alert = /alert ([a-z ]+?):/i.exec(err.message)?.[1];
  return alert ? `the server ended the TLS handshake: ${alert}` : err.message.split('\n')[0];
}

/**
 * nats.js reports a TLS handshake the server ended after the NATS INFO (say, for want of a client
 * certificate) as a timeout: with reconnects on it keeps waiting for the server's PONG. A dial
 * without reconnects fails at once with the OpenSSL alert, or with ECONNRESET when the client's
 * CONNECT crossed the alert (then it is tried again, three times in all).
 */
async function tlsRefusal(opts: NodeConnectionOptions): Promise<string | undefined> {
  let reset = false;
  for (let i = 0; i < 3; i++) {
    try {
      await (await dial({ ...opts, reconnect: false, timeout: Math.min(opts.timeout ?? 5000, 3000) })).close();
      return undefined;
    } catch (e) {
      const alert = tlsAlert(e);
      if (alert) return alert;
      if ((e as { code?: unknown })?.code !== 'ECONNRESET') return undefined;
      reset = true;
    }
  }
  return reset ? 'the server closed the connection right after the TLS handshake' : undefined;
}

/**
 * The TCP sockets a connect opens while it is in flight. When nats.js gives up on a server that
 * accepted the connection but never sent its INFO (a timeout), it leaves that socket open, and the
 * process then never exits: a failed connect closes every socket it opened.
 */
const dialing = new AsyncLocalStorage<{ sockets: Set<Socket>; open: boolean }>();
channel('net.client.socket').subscribe((msg) => {
  const track = dialing.getStore();
  if (track?.open) track.sockets.add((msg as { socket: Socket }).socket);
});

/** nats.js connect, closing what it leaves open when it fails. */
async function dial(opts: NodeConnectionOptions): Promise<NatsConnection> {
  const track = { sockets: new Set<Socket>(), open: true };
  try {
    return await dialing.run(track, () => connect(opts));
  } catch (e) {
    for (const socket of track.sockets) socket.destroy();
    throw e;
  } finally {
    track.open = false;
    track.sockets.clear();
  }
}

function noTls(s: ConnectionSettings, cause: unknown): JkError {
  return new JkError('JK2001', {
    message: `cannot connect to ${describeSettings(s)}: the server does not offer TLS, and ${s.tls ? 'TLS settings were given' : 'a tls:// URL asks for TLS'}; nothing was sent in plain text`,
    fix: 'enable TLS on the server (a tls {} block in its config), or use a nats:// URL without TLS settings to connect in plain text',
    cause,
  });
}

const UNKNOWN_CA = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE']);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** A certificate or TLS file problem as its own error (JK2101-JK2104), or undefined. */
export function certificateError(e: unknown, s: ConnectionSettings): JkError | undefined {
  const code = String((e as { code?: unknown })?.code ?? '');
  const text = redactSecrets(String((e as Error)?.message ?? e), s);
  const where = describeSettings(s);
  if (UNKNOWN_CA.has(code)) {
    const message = `the server's certificate is not signed by a CA this client trusts (${code}: ${text})`;
    // without a CA of its own the client used the system's: the connection error it has always been, with the reason
    if (!s.tls?.ca) return new JkError('JK2001', { message: `cannot connect to ${where}: ${message}`, fix: 'give the CA that signed the server certificate (`tlsca`, or ca in the nats context)', cause: e });
    return new JkError('JK2101', { message: `cannot connect to ${where}: ${message}`, fix: `give the CA that signed the server certificate (\`tlsca\`, now ${s.tls.ca}, or ca in the nats context)`, cause: e });
  }
  if (EXPIRED.has(code)) {
    return new JkError('JK2102', { message: `cannot connect to ${where}: the server's certificate ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'} (${text})`, fix: 'renew the server certificate (check the clocks of client and server too)', cause: e });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new JkError('JK2103', { message: `cannot connect to ${where}: the server's certificate does not name the host connected to (${text})`, fix: 'connect with a host name or address the certificate lists in its subjectAltName, or issue a certificate for this one', cause: e });
  }
  if (/^\S+ doesn't exist$/.test(text) && s.tls) {
    return new JkError('JK2104', { message: `cannot connect to ${where}: TLS file ${text}`, fix: 'check the paths of `tlsca`, `tlscert` and `tlskey`', cause: e });
  }
  return undefined;
}

/** Opens a connection; a failure names where it tried (without secrets) and how to fix it. */
export async function openConnection(s: ConnectionSettings): Promise<NatsConnection> {
  const opts = await connectOptions(s);
  try {
    return await dial(opts);
  } catch (e) {
    const cert = certificateError(e, s);
    if (cert) throw cert;
    const text = redactSecrets((e as Error).message, s);
    const timedOut = (e as Error).name === 'TimeoutError' || /timeout/i.test(text);
    if (/does not support 'tls'/.test(text)) throw noTls(s, e);
    const alert = s.tls ? tlsAlert(e) ?? (timedOut ? await tlsRefusal(opts) : undefined) : undefined;
    throw new JkError('JK2001', {
      message: `cannot connect to ${describeSettings(s)}: ${alert ? redactSecrets(alert, s) : timedOut ? `${text}: no NATS answer within ${opts.timeout} ms (is this a NATS client port?)` : text}`,
      fix: alert
        ? 'give a client certificate and key the server trusts (`tlscert` / `tlskey`, or cert/key in the nats context) and the CA of the server certificate (`tlsca`)'
        : 'start a local cluster with `jetkeeper up`, or point at a server (`server` nats://host:4222, $NATS_URL or a nats `context`)',
      cause: e,
    });
  }
}

/** JetStream administration over one connection. Counts the write requests it sends. */
export class JetStreamAdmin {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly settings: ConnectionSettings;
  /** number of create/update/delete requests sent (a no-op apply sends none) */
  writes = 0;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, settings: ConnectionSettings) {
    this.nc = nc;
    this.jsm = jsm;
    this.settings = settings;
  }

  static async connect(settings: ConnectionSettings): Promise<JetStreamAdmin> {
    const nc = await openConnection(settings);
    try {
      const jsm = await jetstreamManager(nc, { domain: settings.jsDomain, timeout: settings.timeoutMs ?? 10_000 });
      return new JetStreamAdmin(nc, jsm, settings);
    } catch (e) {
      await nc.close();
      throw decodeNatsError(e, undefined, settings);
    }
  }

  get serverVersion(): string {
    return this.nc.info?.version ?? '0.0.0';
  }

  async close(): Promise<void> {
    await this.nc.close();
  }

  /** Reads every stream and consumer (paged lists; consumers of all streams with bounded concurrency). */
  async readLive(opts: { concurrency?: number; streams?: (name: string) => boolean } = {}): Promise<LiveSnapshot> {
    const streams: StreamSnapshot[] = [];
    try {
      for await (const si of this.jsm.streams.list()) {
        if (opts.streams && !opts.streams(si.config.name)) continue;
        streams.push(streamSnapshot(si));
      }
    } catch (e) {
      throw decodeNatsError(e, undefined, this.settings);
    }
    const consumers: ConsumerSnapshot[] = [];
    const withConsumers = streams.filter((s) => s.state.consumer_count > 0);
    await mapLimit(withConsumers, opts.concurrency ?? 16, async (s) => {
      const name = String(s.config.name);
      try {
        for await (const ci of this.jsm.consumers.list(name)) {
          consumers.push(consumerSnapshot(name, ci));
        }
      } catch (e) {
        throw decodeNatsError(e, `Stream/${name}`, this.settings);
      }
    });
    return { serverVersion: this.serverVersion, streams, consumers };
  }

  /**
   * Reads only the named streams and consumers (one info request each), for reconciling a few
   * resources among many. What does not exist is absent from the snapshot.
   */
  async readTargets(targets: LiveTargets, opts: { concurrency?: number } = {}): Promise<LiveSnapshot> {
    const limit = opts.concurrency ?? 16;
    const found = await mapLimit([...new Set(targets.streams)], limit, (name) => this.streamInfo(name));
    const streams = found.filter((s): s is StreamSnapshot => s !== undefined);
    const have = new Set(streams.map((s) => String(s.config.name)));
    const wanted = targets.consumers.filter((c) => have.has(c.stream));
    const consumers = await mapLimit(wanted, limit, (c) => this.consumerInfo(c.stream, c.name));
    return { serverVersion: this.serverVersion, streams, consumers: consumers.filter((c): c is ConsumerSnapshot => c !== undefined) };
  }

  async consumerInfo(stream: string, name: string): Promise<ConsumerSnapshot | undefined> {
    try {
      return consumerSnapshot(stream, await this.jsm.consumers.info(stream, name));
    } catch (e) {
      // 10014 consumer not found, 10059 stream not found
      if (e instanceof JetStreamApiError && (e.code === 10014 || e.code === 10059)) return undefined;
      throw decodeNatsError(e, `Consumer/${stream}/${name}`, this.settings);
    }
  }

  /** JetStream usage and limits of the connected account. */
  async accountInfo(): Promise<JsonConfig> {
    return this.call(undefined, async () => (await this.jsm.getAccountInfo()) as unknown as JsonConfig);
  }

  async streamInfo(name: string): Promise<StreamSnapshot | undefined> {
    try {
      return streamSnapshot(await this.jsm.streams.info(name));
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === JsApiCode.StreamNotFound) return undefined;
      throw decodeNatsError(e, `Stream/${name}`, this.settings);
    }
  }

  async createStream(config: JsonConfig): Promise<JsonConfig> {
    this.writes++;
    const si = await this.call(`Stream/${String(config.name)}`, () => this.jsm.streams.add(structuredClone(config) as unknown as StreamConfig));
    return si.config as unknown as JsonConfig;
  }

  /** Sends the whole desired config; keys set to undefined are removed from the live config. */
  async updateStream(name: string, config: JsonConfig): Promise<JsonConfig> {
    this.writes++;
    const si = await this.call(`Stream/${name}`, () => this.jsm.streams.update(name, structuredClone(config) as unknown as StreamConfig));
    return si.config as unknown as JsonConfig;
  }

  async deleteStream(name: string): Promise<void> {
    this.writes++;
    await this.call(`Stream/${name}`, () => this.jsm.streams.delete(name));
  }

  async createConsumer(stream: string, config: JsonConfig, update = false): Promise<JsonConfig> {
    this.writes++;
    const ref = `Consumer/${stream}/${String(config.durable_name ?? config.name)}`;
    const ci = await this.call(ref, () => this.jsm.consumers.add(stream, structuredClone(config) as unknown as ConsumerConfig, { action: update ? 'update' : 'create' } as never));
    return ci.config as unknown as JsonConfig;
  }

  async deleteConsumer(stream: string, name: string): Promise<void> {
    this.writes++;
    await this.call(`Consumer/${stream}/${name}`, () => this.jsm.consumers.delete(stream, name));
  }

  private async call<T>(resource: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw decodeNatsError(e, resource, this.settings);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
