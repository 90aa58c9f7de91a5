/**
 * What observability reads from NATS: one gather per server of its monitor endpoints (`/varz`,
 * `/routez`, `/jsz` with accounts, streams, consumers and config), the stored time of one message
 * (for the age of the oldest unacknowledged or pending message), and the JetStream advisories.
 * Each server answers for itself: a stream or consumer appears on every server holding a replica.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { openConnection } from './admin.js';
import { classify, decodeNatsError, JsApiCode } from './errors.js';
import { monitorGet, type MonitorOptions } from './monitor.js';
import type { ConnectionSettings } from './settings.js';

export interface SeqInfo {
  consumer_seq?: number;
  stream_seq?: number;
  /** ISO time of the last delivery / ack */
  last_active?: string;
}

export interface GatherReplica {
  name: string;
  current?: boolean;
  offline?: boolean;
  /** ns since the leader last heard from the replica */
  active?: number;
  lag?: number;
}

export interface GatherCluster {
  name?: string;
  leader?: string;
  replicas?: GatherReplica[];
}

export interface GatherConsumer {
  stream_name: string;
  name: string;
  config?: Record<string, unknown> & { durable_name?: string; metadata?: Record<string, string>; filter_subject?: string; ack_policy?: string; ack_wait?: number; deliver_subject?: string };
  delivered?: SeqInfo;
  ack_floor?: SeqInfo;
  num_ack_pending?: number;
  num_redelivered?: number;
  num_waiting?: number;
  num_pending?: number;
  cluster?: GatherCluster;
  paused?: boolean;
  priority_groups?: { group?: string; pinned_client_id?: string }[];
}

export interface GatherSourceInfo {
  name: string;
  lag?: number;
  /** ns since last active */
  active?: number;
}

export interface GatherStream {
  name: string;
  created?: string;
  cluster?: GatherCluster;
  config?: Record<string, unknown> & { max_bytes?: number; max_msgs?: number; num_replicas?: number; storage?: string; sealed?: boolean; metadata?: Record<string, string>; subjects?: string[] };
  state?: { messages?: number; bytes?: number; first_seq?: number; last_seq?: number; num_subjects?: number; consumer_count?: number; num_deleted?: number; lost?: { msgs?: number[] | null; bytes?: number } };
  consumer_detail?: GatherConsumer[];
  sources?: GatherSourceInfo[];
  mirror?: GatherSourceInfo;
}

export interface GatherAccount {
  name: string;
  id?: string;
  memory?: number;
  storage?: number;
  reserved_memory?: number;
  reserved_storage?: number;
  stream_detail?: GatherStream[];
}

export interface GatherJsz {
  disabled?: boolean;
  server_id?: string;
  memory?: number;
  storage?: number;
  streams?: number;
  consumers?: number;
  messages?: number;
  bytes?: number;
  config?: { max_memory?: number; max_storage?: number; sync_interval?: number; sync_always?: boolean };
  api?: { total?: number; errors?: number; level?: number };
  meta_cluster?: { name?: string; leader?: string; cluster_size?: number; replicas?: GatherReplica[] };
  account_details?: GatherAccount[];
}

export interface GatherVarz {
  server_id?: string;
  server_name: string;
  version: string;
  cluster?: { name?: string; urls?: string[] };
  gateway?: { name?: string; gateways?: { name?: string }[] };
  connections?: number;
  routes?: number;
  remotes?: number;
  leafnodes?: number;
  slow_consumers?: number;
  /** not every server version reports it */
  auth_errors?: number;
  jetstream?: { config?: GatherJsz['config'] };
}

export interface GatherRoutez {
  num_routes?: number;
  routes?: { remote_name?: string; remote_id?: string }[];
}

/** One server's answer, or why it did not answer. */
export interface ServerGather {
  monitorUrl: string;
  up: boolean;
  error?: string;
  varz?: GatherVarz;
  jsz?: GatherJsz;
  routez?: GatherRoutez;
  /** ms the three requests took */
  tookMs: number;
}

export const JSZ_FULL_PATH = '/jsz?accounts=true&streams=true&consumers=true&config=true';

/** The paths one gather reads from each server (what gatherServer fetches). */
export const GATHER_PATHS = ['/varz', JSZ_FULL_PATH, '/routez'] as const;

async function getJson<T>(url: string, path: string, opts: MonitorOptions): Promise<T> {
  const a = await monitorGet<T>(url, path, opts);
  if (a.status !== 200 || a.body === undefined) throw new Error(`${path} answered HTTP ${a.status}`);
  return a.body;
}

/** `/varz`, `/routez` and the full `/jsz` of one server, concurrently; a server that does not answer is `up: false`. */
export async function gatherServer(monitorUrl: string, opts: MonitorOptions = {}): Promise<ServerGather> {
  const started = performance.now();
  try {
    const [varz, jsz, routez] = await Promise.all([
      getJson<GatherVarz>(monitorUrl, GATHER_PATHS[0], opts),
      getJson<GatherJsz>(monitorUrl, GATHER_PATHS[1], opts),
      getJson<GatherRoutez>(monitorUrl, GATHER_PATHS[2], opts).catch(() => undefined),
    ]);
    return { monitorUrl, up: true, varz, jsz, routez, tookMs: performance.now() - started };
  } catch (e) {
    return { monitorUrl, up: false, error: (e as Error).message, tookMs: performance.now() - started };
  }
}

/** Every server's gather, concurrently. */
export function gatherServers(monitorUrls: readonly string[], opts: MonitorOptions = {}): Promise<ServerGather[]> {
  return Promise.all(monitorUrls.map((u) => gatherServer(u, opts)));
}

async function rawFetch(monitorUrls: readonly string[], paths: readonly string[], opts: MonitorOptions): Promise<number> {
  const sizes = await Promise.all(monitorUrls.flatMap((u) => paths.map(async (p) => {
    const res = await fetch(`${u}${p}`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
    return (await res.text()).length;
  })));
  return sizes.reduce((a, b) => a + b, 0);
}

/** Raw `/jsz?streams=true&consumers=true` of each server: the bench's first baseline. Resolves to the characters read. */
export function rawJszFetch(monitorUrls: readonly string[], opts: MonitorOptions = {}): Promise<number> {
  return rawFetch(monitorUrls, ['/jsz?accounts=true&streams=true&consumers=true'], opts);
}

/** The raw text of every path a gather reads (GATHER_PATHS), of each server, concurrently, not parsed: the bench's like-for-like baseline. */
export function rawGatherFetch(monitorUrls: readonly string[], opts: MonitorOptions = {}): Promise<number> {
  return rawFetch(monitorUrls, GATHER_PATHS, opts);
}

function apiCode(e: unknown): number | undefined {
  return classify(e).apiCode;
}

/** undefined for the not-found API error `code`, else the decoded error. */
function notFound(e: unknown, code: number, resource: string, settings: ConnectionSettings): undefined {
  if (apiCode(e) === code) return undefined;
  throw decodeNatsError(e, resource, settings);
}

/** A JetStream advisory as received. */
export interface AdvisoryMessage {
  subject: string;
  body: Record<string, unknown> | undefined;
}

/**
 * A connection for what the monitor endpoints do not give: the stored time of a message, and the
 * advisories. Ages are looked up with STREAM.MSG.GET (works on every supported server version).
 */
export class ObservabilityClient {
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #subs: Subscription[] = [];
  readonly #settings: ConnectionSettings;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, settings: ConnectionSettings) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#settings = settings;
  }

  /** Connects; `timeoutMs` bounds each JetStream request (default: the settings' timeout, at most 2 s for scrapes). */
  static async connect(settings: ConnectionSettings, opts: { timeoutMs?: number } = {}): Promise<ObservabilityClient> {
    const nc = await openConnection({ ...settings, name: settings.name ?? 'jetkeeper-metrics' });
    const timeout = opts.timeoutMs ?? Math.min(settings.timeoutMs ?? 2_000, 2_000);
    const jsm = await jetstreamManager(nc, { domain: settings.jsDomain, timeout, checkAPI: false });
    return new ObservabilityClient(nc, jsm, settings);
  }

  /** STREAM.INFO as the server answers it (sources and mirror included); undefined when there is no such stream. */
  async streamInfo(name: string): Promise<GatherStream | undefined> {
    try {
      const si = await this.#jsm.streams.info(name);
      return { ...(si as unknown as GatherStream), name: si.config.name };
    } catch (e) {
      return notFound(e, JsApiCode.StreamNotFound, `Stream/${name}`, this.#settings);
    }
  }

  /** CONSUMER.INFO as the server answers it; undefined when there is no such consumer (or stream). */
  async consumerInfo(stream: string, name: string): Promise<GatherConsumer | undefined> {
    try {
      return (await this.#jsm.consumers.info(stream, name)) as unknown as GatherConsumer;
    } catch (e) {
      if (apiCode(e) === JsApiCode.StreamNotFound) return undefined;
      return notFound(e, JsApiCode.ConsumerNotFound, `Consumer/${stream}/${name}`, this.#settings);
    }
  }

  /** The stored time (ms since epoch) of message `seq` in `stream`; undefined when it is gone. */
  async messageTime(stream: string, seq: number): Promise<number | undefined> {
    try {
      const m = await this.#jsm.streams.getMessage(stream, { seq });
      return m ? m.time.getTime() : undefined;
    } catch {
      return undefined;
    }
  }

  /** Calls `onAdvisory` for each message on `$JS.EVENT.ADVISORY.>` (and the account's JS events) until close. */
  watchAdvisories(onAdvisory: (a: AdvisoryMessage) => void, subject = '$JS.EVENT.ADVISORY.>'): void {
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        let body: Record<string, unknown> | undefined;
        try {
          body = msg.json<Record<string, unknown>>();
        } catch {
          body = undefined;
        }
        onAdvisory({ subject: msg.subject, body });
      },
    });
    this.#subs.push(sub);
  }

  /** Resolves once the server has the subscriptions. */
  flush(): Promise<void> {
    return this.#nc.flush();
  }

  async close(): Promise<void> {
    for (const s of this.#subs) s.unsubscribe();
    if (!this.#nc.isClosed()) await this.#nc.close().catch(() => {});
  }
}
