/** Stream and consumer series, from the leader's view (replica series from each replica's own view where that matters). */
import { ageSeconds, type ConsumerView, type StreamView } from './model.js';
import { def, distinct, LabelCache, type Labels, type Row, type SeriesContext, type SeriesDef } from './series.js';
import { consumerKey, type ConsumerAges, type Snapshot } from './source.js';
import { consumerThresholds, streamThresholds } from './thresholds.js';

const STREAM = ['account', 'stream', 'cluster'];
const CONSUMER = ['account', 'stream', 'consumer', 'cluster'];
export const EPHEMERAL_LABEL = '(ephemeral)';

const streamLabels = new LabelCache<StreamView>();
const replicaLabels = new LabelCache<StreamView['replicas'][number]>();
const upstreamLabels = new LabelCache<{ name: string }>();

function sl(s: StreamView): Labels {
  return streamLabels.get(s, () => ({ account: s.account, stream: s.stream, cluster: s.cluster }));
}

function perStream(pick: (s: StreamView) => number | boolean | undefined): (snap: Snapshot) => Row[] {
  return distinct((snap: Snapshot) => snap.view.streams.map((s) => [sl(s), pick(s)] as const));
}

function limit(v: number | undefined): number | undefined {
  return v !== undefined && v > 0 ? v : undefined;
}

function ratio(used: number | undefined, max: number | undefined): number | undefined {
  const m = limit(max);
  return m === undefined ? undefined : (used ?? 0) / m;
}

function replicaRows(snap: Snapshot, pick: (s: StreamView, r: StreamView['replicas'][number]) => number | boolean | undefined): Row[] {
  return snap.view.streams.flatMap((s) => s.replicas.map((r) => [replicaLabels.get(r, () => ({ ...sl(s), server: r.server })), pick(s, r)] as const));
}

function followers(s: StreamView): StreamView['replicas'] {
  return s.replicas.filter((r) => !r.leader);
}

function upstreams(snap: Snapshot, pick: (u: { lag?: number; active?: number }) => number | undefined): Row[] {
  return snap.view.streams.flatMap((s) => [
    ...(s.detail.mirror ? [[upstreamLabels.get(s.detail.mirror, (u) => ({ ...sl(s), source: u.name, kind: 'mirror' })), pick(s.detail.mirror)] as const] : []),
    ...(s.detail.sources ?? []).map((u) => [upstreamLabels.get(u, () => ({ ...sl(s), source: u.name, kind: 'source' })), pick(u)] as const),
  ]);
}

export const streamSeries: SeriesDef[] = [
  def('jetkeeper_stream_messages', 'Messages stored in the stream (leader\'s view).', STREAM, perStream((s) => s.detail.state?.messages)),
  def('jetkeeper_stream_bytes', 'Bytes stored in the stream (leader\'s view).', STREAM, perStream((s) => s.detail.state?.bytes)),
  def('jetkeeper_stream_first_seq', 'First sequence in the stream.', STREAM, perStream((s) => s.detail.state?.first_seq)),
  def('jetkeeper_stream_last_seq', 'Last sequence in the stream.', STREAM, perStream((s) => s.detail.state?.last_seq)),
  def('jetkeeper_stream_subjects', 'Distinct subjects stored in the stream.', STREAM, perStream((s) => s.detail.state?.num_subjects)),
  def('jetkeeper_stream_deleted_messages', 'Interior deleted messages of the stream.', STREAM, perStream((s) => s.detail.state?.num_deleted ?? 0)),
  def('jetkeeper_stream_consumers', 'Consumers of the stream.', STREAM, perStream((s) => s.detail.state?.consumer_count)),
  def('jetkeeper_stream_max_bytes', 'The stream\'s own max_bytes limit (absent when unlimited).', STREAM, perStream((s) => limit(s.detail.config?.max_bytes))),
  def('jetkeeper_stream_max_messages', 'The stream\'s own max_msgs limit (absent when unlimited).', STREAM, perStream((s) => limit(s.detail.config?.max_msgs))),
  def('jetkeeper_stream_bytes_ratio', 'Bytes stored as a fraction of the stream\'s own max_bytes (absent when unlimited).', STREAM,
    perStream((s) => ratio(s.detail.state?.bytes, s.detail.config?.max_bytes))),
  def('jetkeeper_stream_messages_ratio', 'Messages stored as a fraction of the stream\'s own max_msgs (absent when unlimited).', STREAM,
    perStream((s) => ratio(s.detail.state?.messages, s.detail.config?.max_msgs))),
  def('jetkeeper_stream_info', 'Always 1, with the stream\'s storage type and retention as labels.', [...STREAM, 'storage', 'retention'],
    (snap) => snap.view.streams.map((s) => [{ ...sl(s), storage: String(s.detail.config?.storage ?? ''), retention: String(s.detail.config?.retention ?? '') }, 1] as const)),
  def('jetkeeper_stream_replicas_configured', 'Replicas the stream is configured with (num_replicas).', STREAM, perStream((s) => s.detail.config?.num_replicas ?? 1)),
  def('jetkeeper_stream_replicas_current', 'Replicas (leader included) the leader reports current.', STREAM, perStream((s) => s.replicas.filter((r) => r.current && !r.offline).length)),
  def('jetkeeper_stream_replicas_lagging', 'Follower replicas the leader reports online but not current.', STREAM, perStream((s) => followers(s).filter((r) => !r.current && !r.offline).length)),
  def('jetkeeper_stream_replicas_offline', 'Follower replicas the leader reports offline.', STREAM, perStream((s) => followers(s).filter((r) => r.offline).length)),
  def('jetkeeper_stream_has_leader', 'Whether the stream has a leader.', STREAM, perStream((s) => s.leader !== undefined)),
  def('jetkeeper_stream_sealed', 'Whether the stream is sealed.', STREAM, perStream((s) => s.detail.config?.sealed === true)),
  def('jetkeeper_stream_leader', 'Always 1, with the stream leader as the `server` label.', [...STREAM, 'server'],
    (snap) => snap.view.streams.filter((s) => s.leader).map((s) => [{ ...sl(s), server: s.leader ?? '' }, 1] as const)),
  def('jetkeeper_stream_replica_lag_operations', 'Operations a replica is behind, as the leader reports (0 for the leader).', [...STREAM, 'server'], (snap) => replicaRows(snap, (_s, r) => r.lag)),
  def('jetkeeper_stream_replica_last_seen_seconds', 'Seconds since the leader last heard from the replica.', [...STREAM, 'server'], (snap) => replicaRows(snap, (_s, r) => r.lastSeenS)),
  def('jetkeeper_stream_replica_offline', 'Whether the leader reports the replica offline.', [...STREAM, 'server'], (snap) => replicaRows(snap, (_s, r) => r.offline)),
  def('jetkeeper_stream_replica_own_lag_messages', 'How far the replica\'s own /jsz last sequence is behind the leader\'s (absent when that server did not answer): catches a replica the leader calls current.', [...STREAM, 'server'],
    (snap) => replicaRows(snap, (s, r) => (r.ownLastSeq === undefined ? undefined : Math.max(0, (s.detail.state?.last_seq ?? 0) - r.ownLastSeq)))),
  def('jetkeeper_stream_source_lag_operations', 'Operations a mirror or source is behind its origin.', [...STREAM, 'source', 'kind'], (snap) => upstreams(snap, (u) => u.lag)),
  def('jetkeeper_stream_source_active_seconds', 'Seconds since a mirror or source was last active.', [...STREAM, 'source', 'kind'], (snap) => upstreams(snap, (u) => (u.active === undefined || u.active < 0 ? undefined : u.active / 1e9))),
  def('jetkeeper_stream_threshold', 'The stream\'s own io.nats.monitor.* thresholds (check label: msgs-warn, peer-lag-critical, ...; durations in seconds).', [...STREAM, 'check'],
    (snap) => snap.view.streams.flatMap((s) => Object.entries(streamThresholds(s.detail.config?.metadata).values).map(([check, v]) => [{ ...sl(s), check }, v] as const))),
];

/** A consumer's labels and ages, once per snapshot (and ephemeral setting) for all its series. */
interface ConsumerRow { c: ConsumerView; labels: Labels; aggregated: boolean; ages: ConsumerAges | undefined }

const consumerRowCache = new WeakMap<Snapshot, ConsumerRow[][]>();

function consumerRows(snap: Snapshot, ctx: SeriesContext): ConsumerRow[] {
  const each = ctx.ephemeralConsumers ? 1 : 0;
  const cached = consumerRowCache.get(snap) ?? [];
  consumerRowCache.set(snap, cached);
  return cached[each] ??= snap.view.consumers.map((c) => {
    const labels = { account: c.account, stream: c.stream, consumer: c.ephemeral && !ctx.ephemeralConsumers ? EPHEMERAL_LABEL : c.consumer, cluster: c.cluster };
    return { c, labels, aggregated: labels.consumer === EPHEMERAL_LABEL, ages: snap.ages.get(consumerKey(c)) };
  });
}

function sumInto(prev: number | undefined, n: number | undefined): number | undefined {
  return prev !== undefined && n !== undefined ? prev + n : n ?? prev;
}

/** Per consumer; ephemeral consumers summed into one `(ephemeral)` series per stream unless asked otherwise. */
function perConsumer(pick: (c: ConsumerView, ages: ConsumerAges | undefined, at: number) => number | boolean | undefined, sum = true): (snap: Snapshot, ctx: SeriesContext) => Row[] {
  return distinct((snap: Snapshot, ctx: SeriesContext) => {
    const out: [Labels, number | undefined][] = [];
    /** the `(ephemeral)` rows by account, stream, cluster: every other consumer has labels of its own */
    const summed = new Map<string, number>();
    for (const r of consumerRows(snap, ctx)) {
      if (r.aggregated && !sum) continue;
      const v = pick(r.c, r.ages, snap.view.at);
      const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (!r.aggregated) {
        out.push([r.labels, n]);
        continue;
      }
      const key = `${r.labels.account}\u0000${r.labels.stream}\u0000${r.labels.cluster}`;
      const i = summed.get(key);
      if (i === undefined) {
        summed.set(key, out.length);
        out.push([r.labels, n]);
      } else out[i] = [out[i][0], sumInto(out[i][1], n)];
    }
    return out;
  });
}

export const consumerSeries: SeriesDef[] = [
  def('jetkeeper_consumer_num_pending', 'Messages not yet delivered to the consumer (its lag).', CONSUMER, perConsumer((c) => c.detail.num_pending)),
  def('jetkeeper_consumer_num_ack_pending', 'Messages delivered but not yet acknowledged.', CONSUMER, perConsumer((c) => c.detail.num_ack_pending)),
  def('jetkeeper_consumer_num_redelivered', 'Messages delivered more than once and not yet acknowledged.', CONSUMER, perConsumer((c) => c.detail.num_redelivered)),
  def('jetkeeper_consumer_num_waiting', 'Pull requests waiting.', CONSUMER, perConsumer((c) => c.detail.num_waiting)),
  def('jetkeeper_consumer_oldest_unacked_age_seconds', 'Age of the oldest unacknowledged message (the first after the ack floor), from its stored time; absent when nothing awaits an ack.', CONSUMER,
    perConsumer((_c, a) => a?.oldestUnackedS, false)),
  def('jetkeeper_consumer_oldest_pending_age_seconds', 'Age of the oldest message not yet delivered, from its stored time; absent when nothing is pending.', CONSUMER,
    perConsumer((_c, a) => a?.oldestPendingS, false)),
  def('jetkeeper_consumer_last_delivery_age_seconds', 'Seconds since the consumer last delivered a message.', CONSUMER, perConsumer((c, _a, at) => ageSeconds(c.detail.delivered?.last_active, at), false)),
  def('jetkeeper_consumer_last_ack_age_seconds', 'Seconds since the consumer\'s ack floor last moved.', CONSUMER, perConsumer((c, _a, at) => ageSeconds(c.detail.ack_floor?.last_active, at), false)),
  def('jetkeeper_consumer_delivered_stream_seq', 'Stream sequence of the last delivered message.', CONSUMER, perConsumer((c) => c.detail.delivered?.stream_seq, false)),
  def('jetkeeper_consumer_delivered_consumer_seq', 'Consumer sequence of the last delivery.', CONSUMER, perConsumer((c) => c.detail.delivered?.consumer_seq, false)),
  def('jetkeeper_consumer_ack_floor_stream_seq', 'Stream sequence of the ack floor.', CONSUMER, perConsumer((c) => c.detail.ack_floor?.stream_seq, false)),
  def('jetkeeper_consumer_ack_floor_consumer_seq', 'Consumer sequence of the ack floor.', CONSUMER, perConsumer((c) => c.detail.ack_floor?.consumer_seq, false)),
  def('jetkeeper_consumer_paused', 'Whether the consumer is paused.', CONSUMER, perConsumer((c) => c.detail.paused === true, false)),
  def('jetkeeper_consumer_pinned_groups', 'Priority groups of the consumer with a pinned client.', CONSUMER, perConsumer((c) => (c.detail.priority_groups ?? []).filter((g) => g.pinned_client_id).length, false)),
  def('jetkeeper_consumer_has_leader', 'Whether the consumer has a leader.', CONSUMER, perConsumer((c) => c.leader !== undefined, false)),
  def('jetkeeper_consumer_ephemeral', 'Ephemeral consumers of the stream (their other series are summed under consumer="(ephemeral)" unless --ephemeral-consumers).', STREAM,
    (snap) => {
      const n = new Map<string, [Labels, number]>();
      for (const c of snap.view.consumers.filter((x) => x.ephemeral)) {
        const l = { account: c.account, stream: c.stream, cluster: c.cluster };
        const k = JSON.stringify(l);
        n.set(k, [l, (n.get(k)?.[1] ?? 0) + 1]);
      }
      return [...n.values()];
    }),
  def('jetkeeper_consumer_threshold', 'The consumer\'s own io.nats.monitor.* thresholds (check label: unprocessed-critical, last-ack-critical, ...; durations in seconds).', [...CONSUMER, 'check'],
    (snap) => snap.view.consumers.filter((c) => !c.ephemeral).flatMap((c) => Object.entries(consumerThresholds(c.detail.config?.metadata).values)
      .map(([check, v]) => [{ account: c.account, stream: c.stream, consumer: c.consumer, cluster: c.cluster, check }, v] as const))),
];

export const advisorySeries: SeriesDef[] = [
  def('jetkeeper_advisories_total', 'JetStream advisories received since jetkeeper started, by kind (stream_leader_elected, stream_quorum_lost, max_deliveries, terminated, api_error, ...) and stream.', ['kind', 'stream'],
    (_snap, ctx) => (ctx.advisories?.counts() ?? []).map((c) => [{ kind: c.kind, stream: c.stream }, c.n] as const)),
];
