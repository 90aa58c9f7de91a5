/**
 * `jetkeeper doctor`: three layers of findings, each with a severity, the evidence and the fix.
 * (1) NATS servers, (2) JetStream assets, (3) Kubernetes (from facts a reader hands in). Pure.
 */
import { metaLeader, type ServerView, type StreamView } from './model.js';
import type { Snapshot } from './source.js';
import { checkConsumer, checkStream, type CheckStatus } from './thresholds.js';

export type Severity = 'ok' | 'info' | 'warning' | 'critical';
const RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, critical: 3 };

export interface Finding {
  layer: 'nats' | 'jetstream' | 'kubernetes';
  check: string;
  severity: Severity;
  subject: string;
  evidence: string;
  fix: string;
}

/** Server versions that miss fixes for losing or corrupting stored data: the release line, the version with the fix, what it fixed. */
export const DATA_LOSS_FIXES: readonly { line: string; fixed: string; what: string }[] = [
  { line: '2.10', fixed: '2.10.23', what: 'JetStream fixes for stored messages lost or corrupted after restarts and replica catch-up' },
  { line: '2.12', fixed: '2.12.3', what: 'JetStream fixes for acknowledged writes lost on replicated streams (found by Jepsen\'s analysis of 2.12.1)' },
  { line: '2.12', fixed: '2.12.4', what: 'further JetStream replication and recovery fixes after 2.12.3' },
];

function parts(v: string): number[] {
  return v.replace(/^v/, '').split(/[.-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The fixes `version` misses: those of its own release line, and every one when its line is older than the table's oldest. */
export function missingFixes(version: string): typeof DATA_LOSS_FIXES[number][] {
  const [maj, min] = parts(version);
  const line = `${maj}.${min}`;
  const oldest = DATA_LOSS_FIXES.map((f) => f.line).sort(compareVersions)[0];
  return DATA_LOSS_FIXES.filter((f) => (f.line === line && compareVersions(version, f.fixed) < 0) || compareVersions(`${line}.999`, `${oldest}.0`) < 0);
}

const f = (layer: Finding['layer'], check: string, severity: Severity, subject: string, ...[evidence, fix]: [string, string]): Finding => ({ layer, check, severity, subject, evidence, fix });

function reachability(servers: ServerView[], expect: number): Finding[] {
  const down = servers.filter((s) => !s.up);
  const out = down.map((s) => f('nats', 'reachable', 'critical', s.name, `${s.monitorUrl}: ${s.error ?? 'no answer'}`, 'start the server (same store directory) or fix the network to its monitor port'));
  const up = servers.length - down.length;
  if (expect > 0 && up < expect) out.push(f('nats', 'cluster-size', 'critical', 'cluster', `${up} of ${expect} expected servers answer`, 'bring the missing servers back; one more failure may lose quorum'));
  else if (!down.length) out.push(f('nats', 'reachable', 'ok', 'cluster', `${up} servers answer`, ''));
  return out;
}

function mesh(up: ServerView[]): Finding[] {
  const clustered = up.filter((s) => s.routePeers !== undefined && up.length > 1);
  const broken = clustered.filter((s) => (s.routePeers ?? 0) < up.length - 1);
  if (!broken.length) return clustered.length ? [f('nats', 'routes', 'ok', 'cluster', 'full mesh of routes', '')] : [];
  return broken.map((s) => f('nats', 'routes', 'warning', s.name, `routes to ${s.routePeers} of ${up.length - 1} other servers`, 'check the cluster block (routes, TLS) and the network between the servers'));
}

function jetstream(up: ServerView[]): Finding[] {
  const out = up.filter((s) => !s.jetstream).map((s) => f('nats', 'jetstream', 'critical', s.name, 'JetStream is not enabled', 'enable jetstream { store_dir: ... } in the server config; its log says why it did not start'));
  if (up.length && !metaLeader(up)) out.push(f('nats', 'meta-leader', 'critical', 'cluster', 'no server reports a JetStream meta leader', 'bring a majority of the servers back; assets cannot be created or changed meanwhile'));
  for (const s of up.filter((x) => x.storageMax)) {
    const r = (s.storageUsed ?? 0) / (s.storageMax ?? 1);
    if (r > 0.7) out.push(f('nats', 'storage', r > 0.85 ? 'critical' : 'warning', s.name, `${(r * 100).toFixed(1)}% of max_file_store used`, 'raise max_file_store (and the disk), or set limits and retention on the largest streams'));
  }
  return out;
}

function fsync(up: ServerView[], streams: StreamView[]): Finding[] {
  const r3 = streams.filter((s) => (s.detail.config?.num_replicas ?? 1) >= 3 && s.detail.config?.storage === 'file');
  const lazy = up.filter((s) => s.jetstream && s.syncAlways === false);
  if (!r3.length || !lazy.length) return [f('nats', 'fsync', 'ok', 'cluster', lazy.length ? 'no R3 file streams on lazy-fsync servers' : 'every server fsyncs always', '')];
  return [f('nats', 'fsync', 'info', 'cluster',
    `${r3.length} R3 file stream(s) (${r3.slice(0, 3).map((s) => s.stream).join(', ')}${r3.length > 3 ? ', ...' : ''}) on ${lazy.length} server(s) that fsync every ${lazy[0].syncIntervalS ?? 120}s: acknowledged writes can be lost on a coordinated power failure (Jepsen, NATS 2.12.1; nats-io/nats-server#7564)`,
    'if that loss is not acceptable: jetstream { sync_interval: always } on the servers (lower write throughput), or a tagged sync-always server pool for the streams that need it')];
}

function versions(up: ServerView[]): Finding[] {
  const out: Finding[] = [];
  for (const s of up) {
    for (const fix of missingFixes(s.version ?? '0.0.0')) {
      out.push(f('nats', 'version', 'warning', s.name, `nats-server ${s.version} lacks ${fix.fixed}: ${fix.what}`, `upgrade to ${fix.fixed} or later (a rolling restart, one server at a time)`));
    }
  }
  const distinct = [...new Set(up.map((s) => s.version ?? ''))];
  if (distinct.length > 1) out.push(f('nats', 'version-skew', 'warning', 'cluster', `servers run ${distinct.join(', ')}`, 'finish the rolling upgrade: run one version across the cluster'));
  return out;
}

function assetFindings(s: StreamView, clusterSize: number): Finding[] {
  const out: Finding[] = [];
  const cfg = s.detail.config ?? {};
  const name = `Stream/${s.stream}`;
  if (clusterSize >= 3 && (cfg.num_replicas ?? 1) < 3) out.push(f('jetstream', 'replicas', 'warning', name, `R${cfg.num_replicas ?? 1} on a ${clusterSize}-server cluster: one server lost loses the stream's availability (and its data if the disk goes)`, 'set replicas: 3 for business streams'));
  if (cfg.storage === 'memory') out.push(f('jetstream', 'storage', 'warning', name, 'memory storage: every message is lost when its servers restart', 'use file storage for business data'));
  const offline = s.replicas.filter((r) => r.offline);
  if (offline.length) out.push(f('jetstream', 'replicas-offline', 'critical', name, `replicas offline: ${offline.map((r) => r.server).join(', ')}`, 'bring those servers back, or move the replicas (nats stream cluster peer-remove)'));
  const lagging = s.replicas.filter((r) => !r.leader && !r.offline && !r.current);
  if (lagging.length) out.push(f('jetstream', 'replicas-lagging', 'warning', name, `replicas catching up: ${lagging.map((r) => `${r.server} (lag ${r.lag})`).join(', ')}`, 'wait for them to catch up; if the lag keeps growing check the disk and network of those servers'));
  const last = s.detail.state?.last_seq ?? 0;
  for (const r of s.replicas.filter((x) => !x.leader && x.ownLastSeq !== undefined && last - (x.ownLastSeq ?? 0) > 100)) {
    out.push(f('jetstream', 'replica-own-view', 'warning', name, `${r.server}'s own /jsz is at sequence ${r.ownLastSeq}, the leader at ${last}${r.current ? ' (the leader reports it current)' : ''}`, `check ${r.server}'s log; step the leader down or restart ${r.server}, and if it stays behind remove the peer so it is re-added`));
  }
  const ratio = cfg.max_bytes && cfg.max_bytes > 0 ? (s.detail.state?.bytes ?? 0) / cfg.max_bytes : 0;
  if (ratio > 0.7) out.push(f('jetstream', 'limits', ratio > 0.85 ? 'critical' : 'warning', name, `${(ratio * 100).toFixed(1)}% of max_bytes`, 'check the consumers keep up, then raise max_bytes or shorten retention'));
  return out;
}

const CHECK_SEVERITY: Record<CheckStatus, Severity> = { OK: 'ok', WARNING: 'warning', CRITICAL: 'critical', UNKNOWN: 'warning' };

function thresholdFindings(snap: Snapshot): Finding[] {
  const out: Finding[] = [];
  for (const s of snap.view.streams.filter((x) => Object.keys(x.detail.config?.metadata ?? {}).some((k) => k.startsWith('io.nats.monitor.')))) {
    const r = checkStream(s.detail);
    if (r.status !== 'OK') out.push(f('jetstream', 'thresholds', CHECK_SEVERITY[r.status], `Stream/${s.stream}`, r.items.filter((i) => i.status !== 'OK').map((i) => i.message).join('; '), 'see `jetkeeper check stream`; act on the breach or adjust the io.nats.monitor.* metadata'));
  }
  for (const c of snap.view.consumers.filter((x) => !x.ephemeral)) {
    const d = c.detail;
    const r = checkConsumer(d, snap.view.at);
    const name = `Consumer/${c.stream}/${c.consumer}`;
    if (r.status !== 'OK') out.push(f('jetstream', 'thresholds', CHECK_SEVERITY[r.status], name, r.items.filter((i) => i.status !== 'OK').map((i) => i.message).join('; '), 'see `jetkeeper check consumer`; act on the breach or adjust the io.nats.monitor.* metadata'));
    if ((d.num_redelivered ?? 0) > 0) out.push(f('jetstream', 'redeliveries', 'warning', name, `${d.num_redelivered} messages being redelivered`, 'processing fails or exceeds ack_wait: check the workers, raise ack_wait or send in-progress acks'));
    if ((d.num_pending ?? 0) > 1000) out.push(f('jetstream', 'backlog', 'info', name, `${d.num_pending} messages not yet delivered`, 'if it keeps growing, scale the workers (watch jetkeeper_consumer_num_pending)'));
  }
  return out;
}

/** A list or discovery call of the Kubernetes reader that the API server refused. */
export interface KubeAccessError {
  verb: string;
  /** resource.group, e.g. `statefulsets.apps` */
  resource: string;
  /** absent: cluster-wide */
  namespace?: string;
  status: number;
  message: string;
}

/** Kubernetes facts, as a reader of the cluster hands them in (see src/kube/doctor-facts.ts). */
export interface KubeFacts {
  statefulSets: { name: string; replicas: number; ready: number }[];
  pvcs: { name: string; phase: string }[];
  pods: { name: string; node: string; ready: boolean }[];
  pdbs: { name: string }[];
  /** found: false when the reader looked for the controller Deployment and found none */
  controller?: { ready: boolean; found?: boolean; name?: string; namespace?: string; replicas?: number; readyReplicas?: number };
  /** where the reader looked: the namespace and the StatefulSet label selector */
  scope?: { namespace: string; selector: string };
  /** the CustomResourceDefinitions jetkeeper and NACK use (`streams.jetstream.nats.io`, ...) and whether the API serves them */
  crds?: { name: string; installed: boolean }[];
  /** the facts that could not be read (their checks are skipped, never guessed) */
  unread?: ('statefulSets' | 'pvcs' | 'pods' | 'pdbs')[];
  /** calls the API server refused (RBAC 403, 404 of an API group, ...) */
  accessErrors?: KubeAccessError[];
  /** the cluster could not be read at all: configuration not loadable, API server not reachable, credentials rejected */
  failure?: { what: 'kubeconfig' | 'unreachable' | 'unauthorized'; where: string; message: string };
}

const FAILURE_FIX: Record<NonNullable<KubeFacts['failure']>['what'], string> = {
  kubeconfig: 'give a readable kubeconfig with a current context (--kubeconfig, $KUBECONFIG or ~/.kube/config)',
  unreachable: 'check the kubeconfig\'s server address, the network and VPN to it, and that the API server runs (kubectl cluster-info)',
  unauthorized: 'refresh the kubeconfig\'s credentials (token, client certificate or exec plugin)',
};

function failureFinding(x: NonNullable<KubeFacts['failure']>): Finding {
  const check = x.what === 'kubeconfig' ? 'kubeconfig' : 'kube-api';
  return f('kubernetes', check, 'warning', x.where, `${x.what === 'kubeconfig' ? 'kubeconfig not loadable' : x.what === 'unauthorized' ? 'the API server rejected the credentials' : 'the API server cannot be reached'}: ${x.message}; the Kubernetes layer was not checked`, FAILURE_FIX[x.what]);
}

function accessFindings(errors: readonly KubeAccessError[]): Finding[] {
  return errors.map((e) => {
    const where = e.namespace ? `in namespace ${e.namespace}` : 'cluster-wide';
    const denied = e.status === 403;
    return f('kubernetes', 'kube-access', 'warning', e.resource, `${denied ? 'forbidden' : 'failed'}: ${e.verb} ${e.resource} ${where} (HTTP ${e.status || 'no answer'}): ${e.message}; the checks that need it were skipped`,
      denied ? `grant the kubeconfig's user ${e.verb} on ${e.resource} ${where} (a Role or ClusterRole and its binding)` : 'check the API server serves this resource (kubectl api-resources)');
  });
}

function workloadFindings(k: KubeFacts): Finding[] {
  const out: Finding[] = [];
  const read = (x: NonNullable<KubeFacts['unread']>[number]) => !k.unread?.includes(x);
  if (read('statefulSets') && k.scope && !k.statefulSets.length) out.push(f('kubernetes', 'statefulset', 'warning', `namespace/${k.scope.namespace}`, `no StatefulSet labelled ${k.scope.selector} in namespace ${k.scope.namespace}`, 'pass --namespace where NATS runs, or --nats-selector with the labels of its StatefulSet'));
  for (const s of k.statefulSets.filter((x) => x.ready < x.replicas)) out.push(f('kubernetes', 'statefulset', 'critical', `StatefulSet/${s.name}`, `${s.ready} of ${s.replicas} replicas ready`, 'kubectl describe the pods that are not ready'));
  if (read('pvcs')) for (const p of k.pvcs.filter((x) => x.phase !== 'Bound')) out.push(f('kubernetes', 'pvc', 'critical', `PersistentVolumeClaim/${p.name}`, `phase ${p.phase}`, 'check the storage class can provision volumes'));
  const placed = k.pods.filter((p) => p.node);
  const nodes = new Set(placed.map((p) => p.node));
  if (read('pods') && placed.length > 1 && nodes.size < placed.length) out.push(f('kubernetes', 'spread', 'warning', 'pods', `${placed.length} NATS pods on ${nodes.size} node(s)`, 'add pod anti-affinity or topology spread constraints so one node failure takes one server'));
  const natsFound = k.statefulSets.length > 0 || k.pods.length > 0;
  if (read('pdbs') && natsFound && !k.pdbs.length) out.push(f('kubernetes', 'pdb', 'warning', 'pods', 'no PodDisruptionBudget for the NATS pods', 'add a PodDisruptionBudget with maxUnavailable: 1'));
  return out;
}

function controllerFinding(c: NonNullable<KubeFacts['controller']>): Finding[] {
  const counts = c.readyReplicas !== undefined ? ` (${c.readyReplicas} of ${c.replicas ?? 1} replicas ready${c.name ? `, Deployment ${c.namespace ? `${c.namespace}/` : ''}${c.name}` : ''})` : '';
  if (c.found === false) return [f('kubernetes', 'controller', 'info', 'controller', 'no jetkeeper controller Deployment found: Stream, Consumer, KeyValue, ObjectStore and BackupPolicy objects are not reconciled by jetkeeper', 'install the Helm chart (deploy/helm/jetkeeper) if the cluster should reconcile them')];
  return c.ready ? [] : [f('kubernetes', 'controller', 'critical', 'controller', `the jetkeeper controller is not ready${counts}`, 'kubectl logs the controller pod')];
}

function crdFinding(crds: readonly { name: string; installed: boolean }[], controllerFound: boolean): Finding[] {
  const missing = crds.filter((c) => !c.installed).map((c) => c.name);
  if (!missing.length) return [];
  return [f('kubernetes', 'crds', controllerFound ? 'warning' : 'info', 'CustomResourceDefinitions', `not installed: ${missing.join(', ')}`, '`jetkeeper crds | kubectl apply -f -` (or install the Helm chart with its CRDs)')];
}

export function kubernetesFindings(k: KubeFacts | undefined): Finding[] {
  if (!k) return [f('kubernetes', 'kubeconfig', 'info', 'kubernetes', 'no kubeconfig: the Kubernetes layer was not checked', 'run where a kubeconfig is present ($KUBECONFIG or ~/.kube/config) to check StatefulSets, PVCs, pod spread and PDBs')];
  if (k.failure) return [failureFinding(k.failure)];
  const out = [
    ...workloadFindings(k),
    ...(k.controller ? controllerFinding(k.controller) : []),
    ...(k.crds ? crdFinding(k.crds, !!k.controller && k.controller.found !== false) : []),
    ...accessFindings(k.accessErrors ?? []),
  ];
  const ok = f('kubernetes', 'cluster', 'ok', 'kubernetes', 'StatefulSets ready, PVCs bound, pods spread, PDB present', '');
  return out.some((x) => x.severity !== 'info') ? out : [...out, ok];
}

export interface DoctorReport {
  worst: Severity;
  exitCode: number;
  findings: Finding[];
}

export function worstSeverity(findings: readonly Finding[]): Severity {
  return findings.reduce<Severity>((w, x) => (RANK[x.severity] > RANK[w] ? x.severity : w), 'ok');
}

/** Exit code of a report: 0 for ok/info, 1 warning, 2 critical. */
export function doctorExit(s: Severity): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0;
}

/** Every finding of the three layers. */
export function doctor(snap: Snapshot, opts: { kube?: KubeFacts } = {}): DoctorReport {
  const servers = snap.view.servers;
  const up = servers.filter((s) => s.up);
  const clusterSize = Math.max(up.length, snap.view.expectServers);
  const findings = [
    ...reachability(servers, snap.view.expectServers), ...mesh(up), ...jetstream(up), ...fsync(up, snap.view.streams), ...versions(up),
    ...snap.view.streams.flatMap((s) => assetFindings(s, clusterSize)), ...thresholdFindings(snap), ...kubernetesFindings(opts.kube),
  ];
  const worst = worstSeverity(findings);
  return { worst, exitCode: doctorExit(worst), findings };
}
