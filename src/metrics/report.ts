/**
 * `report servers|streams|consumers`: rows with the nats CLI's report columns plus what it lacks
 * (a stream's storage as a share of its own limit, a consumer's oldest-unacknowledged age). Pure.
 */
import { ageSeconds, metaLeader, type ConsumerView, type StreamView } from './model.js';
import { consumerKey, type Snapshot } from './source.js';

export interface ServerRow {
  server: string; cluster: string; up: boolean; version: string; metaLeader: boolean; streams: number; consumers: number;
  connections: number; routes: number; storageUsed: number; storageMax: number; storagePercent: number | null; memoryUsed: number;
  apiRequests: number; apiErrors: number; syncAlways: boolean; error?: string;
}

export interface StreamRow {
  account: string; stream: string; storage: string; placement: string; consumers: number; messages: number; bytes: number;
  lost: number; deleted: number; apiLevel: string; replicas: string; storagePercent: number | null; messagesPercent: number | null;
}

export interface ConsumerRow {
  account: string; stream: string; consumer: string; mode: 'pull' | 'push'; ackPolicy: string; ackWaitS: number | null; ackPending: number;
  redelivered: number; unprocessed: number; ackFloor: number; lastActivityS: number | null; oldestUnackedS: number | null; leader: string;
}

function pct(used: number | undefined, max: number | undefined): number | null {
  return max !== undefined && max > 0 ? Math.round(((used ?? 0) / max) * 1000) / 10 : null;
}

export function serverRows(snap: Snapshot): ServerRow[] {
  const leader = metaLeader(snap.view.servers);
  return snap.view.servers.map((s) => ({
    server: s.name, cluster: s.cluster, up: s.up, version: s.version ?? '', metaLeader: s.up && s.name === leader, streams: s.streams ?? 0, consumers: s.consumers ?? 0,
    connections: s.connections ?? 0, routes: s.routes ?? 0, storageUsed: s.storageUsed ?? 0, storageMax: s.storageMax ?? 0, storagePercent: pct(s.storageUsed, s.storageMax),
    memoryUsed: s.memoryUsed ?? 0, apiRequests: s.apiTotal ?? 0, apiErrors: s.apiErrors ?? 0, syncAlways: s.syncAlways === true, ...(s.error ? { error: s.error } : {}),
  }));
}

/** `n1*, n2, n3!(lag 12)`: the leader starred, offline replicas with `!`, lag where there is some. */
export function replicaText(s: StreamView): string {
  return s.replicas.map((r) => `${r.server}${r.leader ? '*' : ''}${r.offline ? '!' : ''}${!r.leader && r.lag > 0 ? `(lag ${r.lag})` : ''}`).join(', ');
}

function stateColumns(d: StreamView['detail']): Pick<StreamRow, 'consumers' | 'messages' | 'bytes' | 'lost' | 'deleted'> {
  const st = d.state ?? {};
  return { consumers: st.consumer_count ?? 0, messages: st.messages ?? 0, bytes: st.bytes ?? 0, lost: st.lost?.msgs?.length ?? 0, deleted: st.num_deleted ?? 0 };
}

function streamRow(s: StreamView): StreamRow {
  const d = s.detail;
  return {
    account: s.account, stream: s.stream, storage: String(d.config?.storage ?? ''), placement: s.cluster, ...stateColumns(d),
    apiLevel: d.config?.metadata?.['_nats.req.level'] ?? '', replicas: replicaText(s),
    storagePercent: pct(d.state?.bytes, d.config?.max_bytes), messagesPercent: pct(d.state?.messages, d.config?.max_msgs),
  };
}

export function streamRows(snap: Snapshot, only?: string): StreamRow[] {
  return snap.view.streams.filter((s) => !only || s.stream === only).map(streamRow).sort((a, b) => a.stream.localeCompare(b.stream));
}

function lastActivity(c: ConsumerView, at: number): number | null {
  const ages = [ageSeconds(c.detail.delivered?.last_active, at), ageSeconds(c.detail.ack_floor?.last_active, at)].filter((x): x is number => x !== undefined);
  return ages.length ? Math.min(...ages) : null;
}

function configColumns(cfg: NonNullable<ConsumerView['detail']['config']>): Pick<ConsumerRow, 'mode' | 'ackPolicy' | 'ackWaitS'> {
  return { mode: cfg.deliver_subject ? 'push' : 'pull', ackPolicy: String(cfg.ack_policy ?? ''), ackWaitS: typeof cfg.ack_wait === 'number' ? cfg.ack_wait / 1e9 : null };
}

function consumerRow(c: ConsumerView, snap: Snapshot): ConsumerRow {
  const d = c.detail;
  return {
    account: c.account, stream: c.stream, consumer: c.consumer, ...configColumns(d.config ?? {}), ackPending: d.num_ack_pending ?? 0, redelivered: d.num_redelivered ?? 0,
    unprocessed: d.num_pending ?? 0, ackFloor: d.ack_floor?.stream_seq ?? 0, lastActivityS: lastActivity(c, snap.view.at),
    oldestUnackedS: snap.ages.get(consumerKey(c))?.oldestUnackedS ?? null, leader: c.leader ?? '',
  };
}

export function consumerRows(snap: Snapshot, stream?: string): ConsumerRow[] {
  return snap.view.consumers.filter((c) => !stream || c.stream === stream).map((c) => consumerRow(c, snap))
    .sort((a, b) => `${a.stream}/${a.consumer}`.localeCompare(`${b.stream}/${b.consumer}`));
}
