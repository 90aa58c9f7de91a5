/**
 * The one reader of nats-server's HTTP monitor endpoints (`/healthz`, `/varz`, `/jsz`): typed
 * answers, each request bounded by a timeout and an optional AbortSignal. Each server answers
 * for itself (its own view of the meta leader, of the stream replicas it holds).
 */

export interface MonitorOptions {
  /** per request (default 2 s) */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A monitor endpoint's answer: the HTTP status and the JSON body (undefined when not JSON). */
export interface MonitorAnswer<T> {
  status: number;
  body: T | undefined;
}

export interface Healthz {
  status?: string;
  error?: string;
}

export interface Varz {
  server_name: string;
  server_id?: string;
  version: string;
  /** the cluster (routes) block, absent on a single server */
  cluster?: { name?: string; urls?: string[] };
  jetstream?: { config?: unknown; meta?: JszMeta };
}

export interface JszMeta {
  name?: string;
  leader?: string;
  cluster_size?: number;
}

export interface JszReplica {
  name: string;
  current?: boolean;
  offline?: boolean;
  /** ns since this server last heard from that replica */
  active?: number;
  lag?: number;
}

export interface JszStreamDetail {
  name: string;
  state?: { messages?: number; bytes?: number; first_seq?: number; last_seq?: number; consumer_count?: number };
  cluster?: { leader?: string; replicas?: JszReplica[] };
}

export interface JszAccount {
  name?: string;
  stream_detail?: JszStreamDetail[];
}

export interface Jsz {
  disabled?: boolean;
  config?: unknown;
  streams?: number;
  consumers?: number;
  meta_cluster?: JszMeta;
  account_details?: JszAccount[];
}

/** A monitor endpoint that did not answer 200. */
export class MonitorError extends Error {
  readonly status: number;
  constructor(url: string, status: number) {
    super(`${url} answered HTTP ${status}`);
    this.name = 'MonitorError';
    this.status = status;
  }
}

function requestSignal(opts: MonitorOptions): AbortSignal {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 2_000);
  return opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
}

/** GET `<monitorUrl><path>`: status and JSON body, whatever the status. Throws when the server does not answer. */
export async function monitorGet<T>(monitorUrl: string, path: string, opts: MonitorOptions = {}): Promise<MonitorAnswer<T>> {
  const res = await fetch(`${monitorUrl}${path}`, { signal: requestSignal(opts) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as T };
  } catch {
    return { status: res.status, body: undefined };
  }
}

/** GET `<monitorUrl><path>` as JSON; MonitorError unless it answers 200 with JSON. */
async function monitorJson<T>(monitorUrl: string, path: string, opts: MonitorOptions): Promise<T> {
  const a = await monitorGet<T>(monitorUrl, path, opts);
  if (a.status !== 200 || a.body === undefined) throw new MonitorError(`${monitorUrl}${path}`, a.status);
  return a.body;
}

/** `/healthz`: 200 when the server (and JetStream, if enabled) is healthy; the body says why not. */
export function readHealthz(monitorUrl: string, opts: MonitorOptions = {}): Promise<MonitorAnswer<Healthz>> {
  return monitorGet<Healthz>(monitorUrl, '/healthz', opts);
}

/** `/varz`: the server's name, version and configuration. */
export function readVarz(monitorUrl: string, opts: MonitorOptions = {}): Promise<Varz> {
  return monitorJson<Varz>(monitorUrl, '/varz', opts);
}

/** `/jsz`: JetStream totals and the meta cluster as this server sees it; with `streams`, each stream it holds a replica of. */
export function readJsz(monitorUrl: string, opts: MonitorOptions & { streams?: boolean } = {}): Promise<Jsz> {
  return monitorJson<Jsz>(monitorUrl, opts.streams ? '/jsz?accounts=true&streams=true' : '/jsz', opts);
}

/** The detail of `stream` in a `/jsz?accounts=true&streams=true` answer (optionally of one account only). */
export function jszStreamDetail(jsz: Jsz, stream: string, account?: string): JszStreamDetail | undefined {
  for (const a of jsz.account_details ?? []) {
    if (account !== undefined && a.name !== account) continue;
    const s = a.stream_detail?.find((d) => d.name === stream);
    if (s) return s;
  }
  return undefined;
}
