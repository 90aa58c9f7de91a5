/** What `jetkeeper up` reports about the cluster it started: its servers, their ports and their network. */
import type { RegisteredContext } from '../nats/context.js';
import { table } from '../text.js';
import { contextFile, type LocalCluster } from './cluster.js';

export interface UpReport {
  dir: string;
  version: string;
  /** the cluster's context file (`--context` of jetkeeper commands) */
  context: string;
  /** the nats CLI context written for it; null when one of that name was not jetkeeper's */
  natsContext: RegisteredContext | null;
  servers: { name: string; pid: number; client: string; monitor: string; netns?: string }[];
  netns?: { prefix: string; subnet: string; host: string };
  /** `up --secure`: where the CA, the key directory, the security manifests and the creds per role are */
  secure?: { context: string; ca: string; keys: string; manifests: string; creds: Record<string, string> };
}

/** The report of a started cluster in `dir`. */
export function upReport(cluster: LocalCluster, dir: string, natsContext: RegisteredContext | null): UpReport {
  const net = cluster.netns;
  const servers = cluster.servers.map((s) => ({ name: s.name, pid: s.pid, client: s.clientUrl, monitor: s.monitorUrl, ...(s.netns ? { netns: s.netns.ns } : {}) }));
  return {
    dir: cluster.dir, version: cluster.version, context: contextFile(dir), natsContext, servers,
    ...(net ? { netns: { prefix: net.prefix, subnet: net.subnet, host: `${net.hostIf} ${net.hostAddress}` } } : {}),
    ...(cluster.secure ? { secure: { context: contextFile(dir), ca: cluster.secure.tls.ca, keys: cluster.secure.keys, manifests: cluster.secure.manifests, creds: cluster.secure.creds } } : {}),
  };
}

/** The report as text: the servers as a table, the network, where commands connect now; `home` shown as `~`. */
export function formatUpReport(r: UpReport, home: string): string {
  const net = r.netns;
  const [hostIf, hostAddress] = net ? net.host.split(' ') : [];
  return [
    `nats-server ${r.version}: ${r.servers.length} server(s) ready, JetStream meta leader elected (${r.dir.replace(home, '~')})`,
    net
      ? table(['NAME', 'PID', 'CLIENT', 'MONITOR', 'NETNS'], r.servers.map((s) => [s.name, String(s.pid), s.client, s.monitor, s.netns ?? '']))
      : table(['NAME', 'PID', 'CLIENT', 'MONITOR'], r.servers.map((s) => [s.name, String(s.pid), s.client, s.monitor])),
    ...(net ? [`network namespaces ${net.prefix}*: subnet ${net.subnet}, reached from this host through ${hostIf} (${hostAddress}); removed by \`jetkeeper down\``] : []),
    ...(r.secure ? secureLines(r.secure, home) : [`jetkeeper commands now connect here by default. nats CLI: export NATS_URL=${r.servers.map((s) => s.client).join(',')}`]),
  ].join('\n');
}

function secureLines(s: NonNullable<UpReport['secure']>, home: string): string[] {
  const t = (p: string) => p.replace(home, '~');
  return [
    `operator mode with TLS (CA ${t(s.ca)}); connect as the jetkeeper user with \`context\` ${t(s.context)}`,
    `creds per role in ${t(s.keys)}/creds: ${Object.keys(s.creds).join(', ')}; security manifests in ${t(s.manifests)}`,
  ];
}
