/** Server and cluster series: is the cluster healthy, is JetStream enabled and within its limits, are clients failing. */
import { metaLeader, reportedMetaLeader, type ServerView, type SystemView } from './model.js';
import { def, LabelCache, type Labels, type Row, type SeriesDef } from './series.js';
import type { Snapshot } from './source.js';

const SERVER = ['server', 'cluster'];
const serverLabels = new LabelCache<ServerView>();

function srvl(s: ServerView): Labels {
  return serverLabels.get(s, () => ({ server: s.name, cluster: s.cluster }));
}

function perServer(pick: (s: ServerView) => number | boolean | undefined): (snap: Snapshot) => Row[] {
  return (snap) => snap.view.servers.filter((s) => s.up).map((s) => [srvl(s), pick(s)] as const);
}

function clusters(snap: Snapshot): string[] {
  return [...new Set(snap.view.servers.filter((s) => s.up).map((s) => s.cluster))];
}

function clusterRows(snap: Snapshot, pick: (servers: ServerView[], cluster: string) => number | undefined): Row[] {
  return clusters(snap).map((c) => [{ cluster: c }, pick(snap.view.servers.filter((s) => s.up && s.cluster === c), c)] as const);
}

export const serverSeries: SeriesDef[] = [
  def('jetkeeper_server_up', 'Whether the server answered its monitor endpoint in the last gather (1) or not (0); `server` is its name when it answered before, else the monitor URL.', SERVER,
    (snap) => snap.view.servers.map((s) => [srvl(s), s.up] as const)),
  def('jetkeeper_server_info', 'Always 1 for an answering server, with its version as a label.', ['server', 'cluster', 'version'],
    (snap) => snap.view.servers.filter((s) => s.up).map((s) => [{ server: s.name, cluster: s.cluster, version: s.version ?? '' }, 1] as const)),
  def('jetkeeper_server_routes', 'Route connections of the server (/varz routes).', SERVER, perServer((s) => s.routes)),
  def('jetkeeper_server_route_peers', 'Distinct servers this server has a route to (/routez).', SERVER, perServer((s) => s.routePeers)),
  def('jetkeeper_server_gateways', 'Gateways configured on the server (/varz gateway.gateways).', SERVER, perServer((s) => s.gateways)),
  def('jetkeeper_server_leafnodes', 'Leaf node connections of the server.', SERVER, perServer((s) => s.leafnodes)),
  def('jetkeeper_server_connections', 'Client connections of the server.', SERVER, perServer((s) => s.connections)),
  def('jetkeeper_server_slow_consumers', 'Slow consumers the server detected since it started (cumulative: use rate/increase).', SERVER, perServer((s) => s.slowConsumers)),
  def('jetkeeper_server_auth_errors', 'Authentication errors since the server started, where the server version reports them (cumulative).', SERVER, perServer((s) => s.authErrors)),
  def('jetkeeper_server_jetstream_enabled', 'Whether JetStream is enabled on the server.', SERVER, perServer((s) => s.jetstream)),
  def('jetkeeper_server_jetstream_storage_used_bytes', 'File storage JetStream uses on the server.', SERVER, perServer((s) => s.storageUsed)),
  def('jetkeeper_server_jetstream_storage_max_bytes', 'File storage JetStream may use on the server (max_file_store).', SERVER, perServer((s) => s.storageMax)),
  def('jetkeeper_server_jetstream_memory_used_bytes', 'Memory storage JetStream uses on the server.', SERVER, perServer((s) => s.memoryUsed)),
  def('jetkeeper_server_jetstream_memory_max_bytes', 'Memory storage JetStream may use on the server (max_memory_store).', SERVER, perServer((s) => s.memoryMax)),
  def('jetkeeper_server_jetstream_sync_always', 'Whether the server fsyncs every write (jetstream { sync_interval: always }); 0 means lazy fsync every sync_interval.', SERVER, perServer((s) => s.syncAlways)),
  def('jetkeeper_server_jetstream_sync_interval_seconds', 'How often the server fsyncs JetStream files (sync_interval; default 120 s).', SERVER, perServer((s) => s.syncIntervalS)),
  def('jetkeeper_server_jetstream_api_errors', 'JetStream API requests that returned an error since the server started (cumulative).', SERVER, perServer((s) => s.apiErrors)),
  def('jetkeeper_server_jetstream_api_requests', 'JetStream API requests since the server started (cumulative).', SERVER, perServer((s) => s.apiTotal)),
  def('jetkeeper_server_is_meta_leader', 'Whether the server is the JetStream meta leader, as the server itself reports.', SERVER, perServer((s) => (s.jetstream ? reportedMetaLeader(s) === s.name : undefined))),
  def('jetkeeper_cluster_servers_seen', 'Servers of the cluster that answered the last gather.', ['cluster'], (snap) => clusterRows(snap, (ss) => ss.length)),
  def('jetkeeper_cluster_servers_expected', 'Servers the cluster should have (--expect-servers; absent when not set).', ['cluster'],
    (snap) => clusterRows(snap, () => (snap.view.expectServers > 0 ? snap.view.expectServers : undefined))),
  def('jetkeeper_cluster_meta_cluster_size', 'JetStream meta group size the servers report (largest seen).', ['cluster'],
    (snap) => clusterRows(snap, (ss) => Math.max(0, ...ss.map((s) => s.metaClusterSize ?? 0)) || undefined)),
  def('jetkeeper_cluster_meta_leader', 'Always 1, with the JetStream meta leader most servers agree on as the `server` label; absent when there is none.', ['cluster', 'server'],
    (snap) => clusters(snap).flatMap((c) => {
      const l = metaLeader(snap.view.servers.filter((s) => s.up && s.cluster === c));
      return l ? [[{ cluster: c, server: l }, 1] as const] : [];
    })),
  def('jetkeeper_cluster_has_meta_leader', 'Whether the servers that answered agree there is a JetStream meta leader.', ['cluster'],
    (snap) => clusterRows(snap, (ss) => (metaLeader(ss) ? 1 : 0))),
];

function perAccount(pick: (a: SystemView['accounts'][number]) => number | undefined): (snap: Snapshot) => Row[] {
  return (snap) => snap.view.accounts.map((a) => [{ account: a.account }, pick(a)] as const);
}

export const accountSeries: SeriesDef[] = [
  def('jetkeeper_account_storage_used_bytes', 'File storage the account uses, summed over every server (replicas count).', ['account'], perAccount((a) => a.storageUsed)),
  def('jetkeeper_account_memory_used_bytes', 'Memory storage the account uses, summed over every server.', ['account'], perAccount((a) => a.memoryUsed)),
  def('jetkeeper_account_storage_max_bytes', 'The account\'s JetStream file storage limit (absent when unlimited).', ['account'], perAccount((a) => a.storageMax)),
  def('jetkeeper_account_storage_ratio', 'File storage used as a fraction of the account\'s limit (absent when unlimited).', ['account'], perAccount((a) => (a.storageMax ? a.storageUsed / a.storageMax : undefined))),
];

export const scrapeSeries: SeriesDef[] = [
  def('jetkeeper_gather_duration_seconds', 'How long the last gather of every server\'s monitor endpoints took.', [], (snap) => [[{}, snap.gatherMs / 1000]]),
  def('jetkeeper_gather_servers_failed', 'Servers that did not answer the last gather.', [], (snap) => [[{}, snap.view.servers.filter((s) => !s.up).length]]),
  def('jetkeeper_gather_timestamp_seconds', 'When the data of this scrape was gathered (unix seconds).', [], (snap) => [[{}, snap.view.at / 1000]]),
  def('jetkeeper_age_lookups', 'Message-time look-ups for the age series in the last gather, by result: sent, cached, skipped (over the per-gather budget).', ['result'],
    (snap) => [[{ result: 'sent' }, snap.lookups.sent], [{ result: 'cached' }, snap.lookups.cached], [{ result: 'skipped' }, snap.lookups.skipped]]),
];
