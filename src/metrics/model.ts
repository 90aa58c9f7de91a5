/**
 * From the servers' monitor answers to one view of the system (pure): each server, each stream
 * and consumer as its leader reports it, and each replica as it reports itself.
 */
import type { GatherConsumer, GatherJsz, GatherStream, ServerGather } from '../nats/gather.js';

export interface ServerView {
  /** server name; the monitor URL when the server did not answer */
  name: string;
  monitorUrl: string;
  up: boolean;
  error?: string;
  id?: string;
  version?: string;
  cluster: string;
  routes?: number;
  /** distinct servers this one has routes to */
  routePeers?: number;
  gateways?: number;
  leafnodes?: number;
  connections?: number;
  slowConsumers?: number;
  authErrors?: number;
  jetstream: boolean;
  storageUsed?: number;
  storageMax?: number;
  memoryUsed?: number;
  memoryMax?: number;
  syncAlways?: boolean;
  /** seconds; 120 when the server does not say */
  syncIntervalS?: number;
  apiErrors?: number;
  apiTotal?: number;
  /** stream / consumer replicas this server holds */
  streams?: number;
  consumers?: number;
  metaLeader?: string;
  metaClusterSize?: number;
}

export interface ReplicaView {
  server: string;
  leader: boolean;
  current: boolean;
  offline: boolean;
  /** operations behind, as the leader reports */
  lag: number;
  /** seconds since the leader heard from it */
  lastSeenS?: number;
  /** the replica's own last sequence, from its own /jsz (undefined when that server did not answer) */
  ownLastSeq?: number;
}

export interface StreamView {
  account: string;
  stream: string;
  cluster: string;
  /** the server whose view this is */
  from: string;
  leader?: string;
  detail: GatherStream;
  replicas: ReplicaView[];
}

export interface ConsumerView {
  account: string;
  stream: string;
  consumer: string;
  cluster: string;
  from: string;
  leader?: string;
  ephemeral: boolean;
  detail: GatherConsumer;
}

export interface AccountView {
  account: string;
  /** file storage used, summed over every server (replicas count, as for the account's limit) */
  storageUsed: number;
  memoryUsed: number;
  /** the account's JetStream limits, when it has any */
  storageMax?: number;
  memoryMax?: number;
}

export interface SystemView {
  /** ms since epoch */
  at: number;
  servers: ServerView[];
  streams: StreamView[];
  consumers: ConsumerView[];
  accounts: AccountView[];
  /** servers expected (0 when not told) */
  expectServers: number;
}

const DEFAULT_SYNC_INTERVAL_S = 120;
/** A replica not current and not heard from for this long (or never, by this leader) counts as offline: /jsz sets no offline flag for a while. */
export const OFFLINE_AFTER_S = 10;

function connectivity(g: ServerGather, v: NonNullable<ServerGather['varz']>): Partial<ServerView> {
  const peers = new Set((g.routez?.routes ?? []).map((r) => r.remote_name ?? r.remote_id ?? ''));
  return {
    routes: v.routes ?? g.routez?.num_routes, routePeers: g.routez ? peers.size : undefined, gateways: v.gateway?.gateways?.length ?? 0,
    leafnodes: v.leafnodes, connections: v.connections, slowConsumers: v.slow_consumers, authErrors: v.auth_errors,
  };
}

function jszCounters(j: GatherJsz | undefined): Partial<ServerView> {
  if (!j) return {};
  return { streams: j.streams, consumers: j.consumers, storageUsed: j.storage, memoryUsed: j.memory, apiErrors: j.api?.errors, apiTotal: j.api?.total, metaLeader: j.meta_cluster?.leader, metaClusterSize: j.meta_cluster?.cluster_size };
}

function jetstreamPart(j: GatherJsz | undefined, v: NonNullable<ServerGather['varz']>): Partial<ServerView> {
  const cfg = j?.config ?? v.jetstream?.config;
  const syncNs = cfg?.sync_interval ?? DEFAULT_SYNC_INTERVAL_S * 1e9;
  return {
    jetstream: !!j && !j.disabled && j.config !== undefined,
    storageMax: cfg?.max_storage, memoryMax: cfg?.max_memory,
    syncAlways: cfg ? cfg.sync_always === true : undefined, syncIntervalS: cfg ? syncNs / 1e9 : undefined,
    ...jszCounters(j),
  };
}

/** A server seen before: its name and cluster, so a server that stops answering keeps its labels. */
export interface KnownServer { name: string; cluster: string }

function serverView(g: ServerGather, known?: KnownServer): ServerView {
  const v = g.varz;
  if (!g.up || !v) return { name: known?.name ?? g.monitorUrl, monitorUrl: g.monitorUrl, up: false, error: g.error, cluster: known?.cluster ?? '', jetstream: false };
  const j = g.jsz;
  return {
    name: v.server_name, monitorUrl: g.monitorUrl, up: true, id: v.server_id ?? j?.server_id, version: v.version,
    cluster: v.cluster?.name ?? j?.meta_cluster?.name ?? '', jetstream: false, ...connectivity(g, v), ...jetstreamPart(j, v),
  };
}

interface Holding<T> { server: ServerView; account: string; item: T }

function holdings(gathers: readonly { g: ServerGather; s: ServerView }[]): Holding<GatherStream>[] {
  return gathers.flatMap(({ g, s }) => (g.jsz?.account_details ?? []).flatMap((a) =>
    (a.stream_detail ?? []).map((item) => ({ server: s, account: a.name, item }))));
}

/** The leader's copy when one of the answering servers is the leader, else the first copy. */
function leaderCopy<T extends { cluster?: { leader?: string } }>(copies: Holding<T>[]): Holding<T> {
  return copies.find((c) => isLeader(c.server, c.item.cluster?.leader)) ?? copies[0];
}

function isLeader(s: ServerView, leader: string | undefined): boolean {
  return leader !== undefined && leader !== '' && (leader === s.name || leader === s.id);
}

function group<T>(items: Holding<T>[], key: (h: Holding<T>) => string): Map<string, Holding<T>[]> {
  const m = new Map<string, Holding<T>[]>();
  for (const h of items) {
    const k = key(h);
    const list = m.get(k);
    if (list) list.push(h);
    else m.set(k, [h]);
  }
  return m;
}

function leaderName(h: Holding<GatherStream | GatherConsumer>, servers: readonly ServerView[]): string | undefined {
  const l = h.item.cluster?.leader;
  if (!l) return undefined;
  return servers.find((s) => s.id === l)?.name ?? l;
}

function replicaViews(lead: Holding<GatherStream>, copies: Holding<GatherStream>[], leader: string | undefined): ReplicaView[] {
  const own = new Map(copies.map((c) => [c.server.name, c.item.state?.last_seq ?? 0]));
  const out: ReplicaView[] = [];
  if (leader) out.push({ server: leader, leader: true, current: true, offline: false, lag: 0, ownLastSeq: own.get(leader) });
  for (const r of lead.item.cluster?.replicas ?? []) {
    const seenS = r.active === undefined ? undefined : r.active / 1e9;
    out.push({
      server: r.name, leader: false, current: r.current === true, offline: r.offline === true || (r.current !== true && (!seenS || seenS > OFFLINE_AFTER_S)), lag: r.lag ?? 0,
      lastSeenS: r.active === undefined ? undefined : r.active / 1e9, ownLastSeq: own.get(r.name),
    });
  }
  return out;
}

function streamViews(hs: Holding<GatherStream>[], servers: readonly ServerView[]): StreamView[] {
  return [...group(hs, (h) => `${h.account}\u0000${h.item.name}`).values()].map((copies) => {
    const lead = leaderCopy(copies);
    const leader = leaderName(lead, servers);
    return {
      account: lead.account, stream: lead.item.name, cluster: lead.item.cluster?.name ?? lead.server.cluster, from: lead.server.name,
      leader, detail: lead.item, replicas: replicaViews(lead, copies, leader),
    };
  });
}

function consumerViews(hs: Holding<GatherStream>[], servers: readonly ServerView[]): ConsumerView[] {
  const cs: Holding<GatherConsumer>[] = hs.flatMap((h) => (h.item.consumer_detail ?? []).map((item) => ({ server: h.server, account: h.account, item })));
  return [...group(cs, (h) => `${h.account}\u0000${h.item.stream_name}\u0000${h.item.name}`).values()].map((copies) => {
    const lead = leaderCopy(copies);
    return {
      account: lead.account, stream: lead.item.stream_name, consumer: lead.item.name, cluster: lead.item.cluster?.name ?? lead.server.cluster,
      from: lead.server.name, leader: leaderName(lead, servers), ephemeral: !lead.item.config?.durable_name, detail: lead.item,
    };
  });
}

/** A reserved amount the server reports for an account: a limit, unless it is "unlimited" (-1 as an unsigned 64-bit number). */
function accountLimit(v: number | undefined): number | undefined {
  return v !== undefined && v > 0 && v < 2 ** 62 ? v : undefined;
}

function accountViews(gathers: readonly ServerGather[]): AccountView[] {
  const m = new Map<string, AccountView>();
  for (const a of gathers.flatMap((g) => g.jsz?.account_details ?? [])) {
    const v = m.get(a.name) ?? { account: a.name, storageUsed: 0, memoryUsed: 0 };
    v.storageUsed += a.storage ?? 0;
    v.memoryUsed += a.memory ?? 0;
    v.storageMax ??= accountLimit(a.reserved_storage);
    v.memoryMax ??= accountLimit(a.reserved_memory);
    m.set(a.name, v);
  }
  return [...m.values()];
}

/** The system as the servers' gathers show it. */
export function systemView(gathers: readonly ServerGather[], opts: { at?: number; expectServers?: number; known?: ReadonlyMap<string, KnownServer> } = {}): SystemView {
  const pairs = gathers.map((g) => ({ g, s: serverView(g, opts.known?.get(g.monitorUrl)) }));
  const servers = pairs.map((p) => p.s);
  const hs = holdings(pairs);
  return {
    at: opts.at ?? Date.now(), servers, streams: streamViews(hs, servers), consumers: consumerViews(hs, servers), accounts: accountViews(gathers), expectServers: opts.expectServers ?? 0,
  };
}

/** The meta leader a server reports; a standalone JetStream server (no meta cluster in its /jsz) leads itself. */
export function reportedMetaLeader(s: ServerView): string | undefined {
  if (s.metaLeader) return s.metaLeader;
  return s.jetstream && s.metaClusterSize === undefined && !s.cluster ? s.name : undefined;
}

/** The meta leader most answering servers agree on. */
export function metaLeader(servers: readonly ServerView[]): string | undefined {
  const votes = new Map<string, number>();
  for (const s of servers) {
    const leader = reportedMetaLeader(s);
    if (leader) votes.set(leader, (votes.get(leader) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** Seconds between an ISO time and `at` (undefined for a missing or zero time). */
export function ageSeconds(iso: string | undefined, at: number): number | undefined {
  if (!iso || iso.startsWith('0001-')) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : Math.max(0, (at - t) / 1000);
}

export type { GatherJsz };
