/**
 * `--compat exporter`: the main series again under the names prometheus-nats-exporter gives them
 * when the NATS Helm chart runs it with `-prefix=nats` (`nats_stream_total_messages`,
 * `nats_consumer_num_pending`, `nats_varz_jetstream_stats_storage`, ...), so existing dashboards and
 * rules keep working. Only the leader's values are emitted, labelled `is_stream_leader="true"` /
 * `is_consumer_leader="true"` as the exporter labels its leader rows.
 */
import type { ConsumerView, ServerView, StreamView } from './model.js';
import { def, LabelCache, type Labels, type Row, type SeriesDef } from './series.js';
import type { Snapshot } from './source.js';

const SRV = ['server_id', 'server_name', 'cluster'];
const STR = [...SRV, 'account', 'stream_name', 'stream_leader', 'is_stream_leader'];
const CON = [...STR, 'consumer_name', 'consumer_leader', 'is_consumer_leader'];

const serverLabels = new LabelCache<ServerView>();
const streamLabels = new LabelCache<StreamView>();
const consumerLabels = new LabelCache<ConsumerView>();

function srv(s: ServerView): Labels {
  return serverLabels.get(s, () => ({ server_id: s.id ?? '', server_name: s.name, cluster: s.cluster }));
}

function servers(pick: (s: ServerView) => number | boolean | undefined): (snap: Snapshot) => Row[] {
  return (snap) => snap.view.servers.filter((s) => s.up).map((s) => [srv(s), pick(s)] as const);
}

function str(snap: Snapshot, s: StreamView): Labels {
  return streamLabels.get(s, () => {
    const from = snap.view.servers.find((x) => x.name === s.from);
    return { server_id: from?.id ?? '', server_name: s.from, cluster: s.cluster, account: s.account, stream_name: s.stream, stream_leader: s.leader ?? '', is_stream_leader: String(s.leader === s.from) };
  });
}

function streams(pick: (s: StreamView) => number | undefined): (snap: Snapshot) => Row[] {
  return (snap) => snap.view.streams.map((s) => [str(snap, s), pick(s)] as const);
}

function consumers(pick: (c: ConsumerView) => number | undefined): (snap: Snapshot) => Row[] {
  return (snap) => {
    const byKey = new Map(snap.view.streams.map((s) => [`${s.account}\u0000${s.stream}`, s]));
    return snap.view.consumers.filter((c) => !c.ephemeral).flatMap((c) => {
      const s = byKey.get(`${c.account}\u0000${c.stream}`);
      if (!s) return [];
      const labels = consumerLabels.get(c, () => ({ ...str(snap, s), consumer_name: c.consumer, consumer_leader: c.leader ?? '', is_consumer_leader: String(c.leader === c.from) }));
      return [[labels, pick(c)] as const];
    });
  };
}

function limit(v: number | undefined): number | undefined {
  return v !== undefined && v > 0 ? v : undefined;
}

const H = 'prometheus-nats-exporter compatible (--compat exporter): ';

export const compatSeries: SeriesDef[] = [
  def('nats_varz_jetstream_stats_storage', `${H}JetStream file storage used by the server.`, SRV, servers((s) => s.storageUsed)),
  def('nats_varz_jetstream_config_max_storage', `${H}JetStream file storage limit of the server.`, SRV, servers((s) => s.storageMax)),
  def('nats_varz_jetstream_stats_memory', `${H}JetStream memory storage used by the server.`, SRV, servers((s) => s.memoryUsed)),
  def('nats_varz_jetstream_config_max_memory', `${H}JetStream memory storage limit of the server.`, SRV, servers((s) => s.memoryMax)),
  def('nats_varz_slow_consumers', `${H}slow consumers since the server started.`, SRV, servers((s) => s.slowConsumers)),
  def('nats_varz_connections', `${H}client connections.`, SRV, servers((s) => s.connections)),
  def('nats_varz_routes', `${H}route connections.`, SRV, servers((s) => s.routes)),
  def('nats_server_jetstream_disabled', `${H}1 when JetStream is disabled on the server.`, SRV, servers((s) => !s.jetstream)),
  def('nats_server_max_storage', `${H}JetStream file storage limit of the server.`, SRV, servers((s) => s.storageMax)),
  def('nats_server_max_memory', `${H}JetStream memory storage limit of the server.`, SRV, servers((s) => s.memoryMax)),
  def('nats_stream_total_messages', `${H}messages in the stream.`, STR, streams((s) => s.detail.state?.messages)),
  def('nats_stream_total_bytes', `${H}bytes in the stream.`, STR, streams((s) => s.detail.state?.bytes)),
  def('nats_stream_limit_bytes', `${H}the stream's max_bytes.`, STR, streams((s) => limit(s.detail.config?.max_bytes))),
  def('nats_stream_limit_messages', `${H}the stream's max_msgs.`, STR, streams((s) => limit(s.detail.config?.max_msgs))),
  def('nats_stream_first_seq', `${H}first sequence.`, STR, streams((s) => s.detail.state?.first_seq)),
  def('nats_stream_last_seq', `${H}last sequence.`, STR, streams((s) => s.detail.state?.last_seq)),
  def('nats_stream_consumer_count', `${H}consumers of the stream.`, STR, streams((s) => s.detail.state?.consumer_count)),
  def('nats_stream_subject_count', `${H}subjects in the stream.`, STR, streams((s) => s.detail.state?.num_subjects)),
  def('nats_consumer_num_pending', `${H}messages not yet delivered.`, CON, consumers((c) => c.detail.num_pending)),
  def('nats_consumer_num_ack_pending', `${H}messages awaiting an ack.`, CON, consumers((c) => c.detail.num_ack_pending)),
  def('nats_consumer_num_redelivered', `${H}messages redelivered.`, CON, consumers((c) => c.detail.num_redelivered)),
  def('nats_consumer_num_waiting', `${H}pull requests waiting.`, CON, consumers((c) => c.detail.num_waiting)),
  def('nats_consumer_delivered_stream_seq', `${H}stream sequence of the last delivery.`, CON, consumers((c) => c.detail.delivered?.stream_seq)),
  def('nats_consumer_delivered_consumer_seq', `${H}consumer sequence of the last delivery.`, CON, consumers((c) => c.detail.delivered?.consumer_seq)),
  def('nats_consumer_ack_floor_stream_seq', `${H}stream sequence of the ack floor.`, CON, consumers((c) => c.detail.ack_floor?.stream_seq)),
  def('nats_consumer_ack_floor_consumer_seq', `${H}consumer sequence of the ack floor.`, CON, consumers((c) => c.detail.ack_floor?.consumer_seq)),
];
