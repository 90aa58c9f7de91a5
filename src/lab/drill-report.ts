/**
 * The kill-server drill's report, built from what the drill observed by pure functions (no I/O),
 * and its text form.
 */
import type { ApiProbe, IdCounts, LatencySummary, PublishStats } from '../load/index.js';

export interface KillServerDrillReport {
  drill: 'kill-server';
  ok: boolean;
  cluster: { name: string; version: string; servers: string[] };
  stream: { name: string; subject: string; replicas: number; storage: 'file' };
  config: { target: string; count: number; partition: boolean; duration_ms: number; rate: number; down_ms: number; size: number; retry_budget_ms: number };
  action: {
    /** SIGKILL + restart; network: bridge port down + up (netns cluster); SIGSTOP + SIGCONT (partition fallback) */
    method: 'SIGKILL' | 'SIGSTOP' | 'network';
    /** how --partition was done: `network (netns veth down)`, `SIGSTOP (...)`; null without --partition */
    partition: string | null;
    note: string | null;
    targets: string[];
    leader_before: string | null;
    /** the stream leader was among the targets */
    killed_leader: boolean;
    /** where the load clients were connected (the servers not targeted) */
    clients_on: string[];
  };
  /** ms since publishing started */
  timeline_ms: { kill: number; restart: number; restarted: number; leader_back: number | null; replicas_current: number | null; publish_end: number; end: number };
  publish: {
    attempted: number; acked: number; failed: number; retried: number; duplicate_acks: number;
    /** failed attempts by kind: timeout, no_responders (503, reported by the client as "JetStreamNotEnabled"), api_<code> */
    errors: Record<string, number>;
    latency_ms: LatencySummary;
    longest_ack_gap_ms: number;
    acked_while_down: number;
    acked_after_restart: number;
    rate_achieved: number;
  };
  leader: {
    before: string | null;
    after: string | null;
    /** total time no live server reported itself stream leader with a quorum of current replicas in its own view */
    leaderless_ms: number;
    /** from the kill until a live server reported itself leader */
    back_after_kill_ms: number | null;
    back_after_restart_ms: number | null;
  };
  quorum: {
    /** a majority of the stream's replicas was down */
    expected_lost: boolean;
    /** no publish was acked while down (after a 0.5 s grace) */
    lost_while_down: boolean;
    /** JetStream API requests sent about once a second while down, by API and outcome: ok, timeout, no_responders, api_<code> (10008: no quorum) */
    probes_while_down: Record<ApiProbe, Record<string, number>>;
    regained: boolean;
  };
  replicas: {
    current_after_restart_ms: number | null;
    /** every replica's own /jsz reports the same last sequence and message count as the leader */
    views_agree: boolean;
    last_seq_by_server: Record<string, number | null>;
  };
  messages: {
    in_stream: number;
    /** null when the stream was not read back (the drill was interrupted or failed before) */
    acked_missing: number | null;
    acked_missing_sample: string[];
    duplicates_in_stream: number;
    /** stored although the publisher gave up on them (a timed-out publish can be stored) */
    stored_not_acked: number;
    readback_complete: boolean;
  };
  consumer: {
    deliveries: number;
    unique: number;
    redelivered: number;
    acked_never_delivered: number;
    drained: boolean;
    /** consume() loops started again after they ended */
    restarts: number;
    /** times the drill re-subscribed a consumer that stalled with messages pending */
    resubscribed: number;
    /** client notifications by type (heartbeats_missed, no_responders, ...) */
    notifications: Record<string, number>;
  };
  cleanup: { stream_deleted: boolean; servers_restored: boolean; error: string | null };
  invariants: { no_acked_missing: boolean; quorum_regained: boolean; replicas_current: boolean };
  error: string | null;
}

/** One poll of every live server's /jsz: a live server that reports itself stream leader (with a quorum in its own view). */
export interface LeaderSample {
  t: number;
  leader?: string;
}

/** Sum of the intervals that ended in a sample without a leader, between `from` and `to`. */
export function leaderlessMs(samples: readonly LeaderSample[], from: number, to: number): number {
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.t <= from || a.t >= to) continue;
    if (!b.leader) total += Math.min(b.t, to) - Math.max(a.t, from);
  }
  return total;
}

/** The first sample at or after `t` with a leader. */
export function firstLeaderAfter(samples: readonly LeaderSample[], t: number): LeaderSample | undefined {
  return samples.find((s) => s.t >= t && s.leader);
}

/** performance.now() of each phase; 0 / null: did not happen. */
export interface DrillTimeline {
  t0: number;
  kill: number;
  restart: number;
  restarted: number;
  leaderBack: number | null;
  current: number | null;
  publishEnd: number;
}

export interface DrillSettings {
  target: string;
  /** servers taken down */
  count: number;
  partition: boolean;
  /** the partition cuts the network (netns cluster) */
  network: boolean;
  durationMs: number;
  rate: number;
  downMs: number;
  size: number;
  retryBudgetMs: number;
}

/** Everything the drill observed, as data. */
export interface DrillFacts {
  cluster: { name: string; version: string; servers: string[]; netnsHub?: string };
  settings: DrillSettings;
  stream: { name: string; subject: string; idPrefix: string };
  targets: string[];
  peers: string[];
  leaderBefore: string | null;
  clientsOn: string[];
  t: DrillTimeline;
  /** performance.now() when the drill ended */
  end: number;
  publisher?: { stats: PublishStats; latencyMs: LatencySummary; ackTimes: readonly number[]; acked: IdCounts };
  consumer?: { deliveries: number; delivered: IdCounts; redelivered: number; restarts: number; notifications: Record<string, number> };
  drained: boolean;
  resubscribed: number;
  samples: readonly LeaderSample[];
  probes: Record<ApiProbe, Record<string, number>>;
  viewsAgree: boolean;
  lastSeqByServer: Record<string, number | null>;
  readback?: { messages: number; ids: IdCounts; complete: boolean };
  cleanup: KillServerDrillReport['cleanup'];
  error: string | null;
}

const round = (x: number): number => Math.round(x);
const NO_LATENCY: LatencySummary = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };

function longestGap(times: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

const NO_PUBLISHES: PublishStats = { attempted: 0, acked: 0, failed: 0, retried: 0, duplicateAcks: 0, errors: {}, elapsedMs: 0 };

/** The publish section: counts, latency, acks while down and after the restart. */
function publishSection(f: DrillFacts): KillServerDrillReport['publish'] {
  const { t } = f;
  const stats = f.publisher?.stats ?? NO_PUBLISHES;
  const ackTimes = f.publisher?.ackTimes ?? [];
  const elapsed = t.publishEnd && t.t0 ? t.publishEnd - t.t0 : 0;
  return {
    attempted: stats.attempted,
    acked: stats.acked,
    failed: stats.failed,
    retried: stats.retried,
    duplicate_acks: stats.duplicateAcks,
    errors: { ...stats.errors },
    latency_ms: f.publisher?.latencyMs ?? NO_LATENCY,
    longest_ack_gap_ms: round(longestGap(ackTimes)),
    acked_while_down: t.kill ? ackTimes.filter((x) => x > t.kill + 500 && x < t.restart).length : 0,
    acked_after_restart: t.restarted ? ackTimes.filter((x) => x >= t.restarted).length : 0,
    rate_achieved: elapsed > 0 ? Math.round((stats.acked * 1000) / elapsed) : 0,
  };
}

/** The action section: how the targets were taken down, and why that way. */
function actionSection(f: DrillFacts): KillServerDrillReport['action'] {
  const { network, partition } = f.settings;
  return {
    method: network ? 'network' : partition ? 'SIGSTOP' : 'SIGKILL',
    partition: network ? 'network (netns veth down)' : partition ? 'SIGSTOP (no network namespaces)' : null,
    note: network
      ? `partition: network (netns veth down): each target runs in its own network namespace; its veth port on the cluster's bridge (namespace ${f.cluster.netnsHub}) ` +
        'was set down, so it kept running on its own side but reached neither its peers nor the clients (packets dropped, connections left open), ' +
        'and was set up again to heal'
      : partition
        ? 'partition simulated with SIGSTOP: this cluster was not started in network namespaces (`jetkeeper up --netns`, which needs Linux, root and iproute2); ' +
          'its servers all listen on 127.0.0.1 in one network namespace and a running process cannot be moved into another. A stopped server keeps its ' +
          'connections open and answers nothing, which is what its peers and clients see of a partitioned server; unlike a real partition it does not go ' +
          'on running on its own side meanwhile'
        : null,
    targets: f.targets,
    leader_before: f.leaderBefore,
    killed_leader: !!f.leaderBefore && f.targets.includes(f.leaderBefore),
    clients_on: f.clientsOn,
  };
}

/** The messages section: what was acked against what the stream holds. */
function messagesSection(f: DrillFacts): KillServerDrillReport['messages'] {
  const acked = f.publisher?.acked;
  const inStream = f.readback?.ids;
  const missing = acked && inStream ? acked.missingFrom(inStream) : { count: null, sample: [] as number[] };
  return {
    in_stream: f.readback?.messages ?? 0,
    acked_missing: missing.count,
    acked_missing_sample: missing.sample.map((i) => `${f.stream.idPrefix}${i}`),
    duplicates_in_stream: inStream?.extra ?? 0,
    stored_not_acked: acked && inStream ? inStream.missingFrom(acked).count : 0,
    readback_complete: !!f.readback?.complete,
  };
}

/** The consumer section: what was acked against what the consumer got. */
function consumerSection(f: DrillFacts): KillServerDrillReport['consumer'] {
  const acked = f.publisher?.acked;
  const c = f.consumer;
  return {
    deliveries: c?.deliveries ?? 0,
    unique: c?.delivered.distinct ?? 0,
    redelivered: c?.redelivered ?? 0,
    acked_never_delivered: acked && c ? acked.missingFrom(c.delivered).count : 0,
    drained: f.drained,
    restarts: c?.restarts ?? 0,
    resubscribed: f.resubscribed,
    notifications: { ...(c?.notifications ?? {}) },
  };
}

/** ms since publishing started; null for what did not happen (0 or null). */
function sinceStart(t: DrillTimeline, x: number | null): number | null {
  return x === null || x === 0 ? null : round(x - t.t0);
}

/** The timeline section: each phase in ms since publishing started. */
function timelineSection(f: DrillFacts): KillServerDrillReport['timeline_ms'] {
  const { t } = f;
  return {
    kill: sinceStart(t, t.kill) ?? 0, restart: sinceStart(t, t.restart) ?? 0, restarted: sinceStart(t, t.restarted) ?? 0,
    leader_back: sinceStart(t, t.leaderBack), replicas_current: sinceStart(t, t.current), publish_end: sinceStart(t, t.publishEnd) ?? 0, end: round(f.end - t.t0),
  };
}

/** The leader section: who led before and after, how long no one did, when a leader came back. */
function leaderSection(f: DrillFacts): KillServerDrillReport['leader'] {
  const { t } = f;
  const back = t.kill ? firstLeaderAfter(f.samples, t.kill) : undefined;
  const backAfterRestart = t.restarted ? firstLeaderAfter(f.samples, t.restart) : undefined;
  return {
    before: f.leaderBefore,
    after: f.samples[f.samples.length - 1]?.leader ?? null,
    leaderless_ms: t.t0 ? round(leaderlessMs(f.samples, t.t0, f.end)) : 0,
    back_after_kill_ms: back ? round(back.t - t.kill) : null,
    back_after_restart_ms: backAfterRestart ? round(Math.max(0, backAfterRestart.t - t.restarted)) : null,
  };
}

/** The report of one drill run (ok = the invariants hold and every server is back). */
export function buildDrillReport(f: DrillFacts): KillServerDrillReport {
  const { t, settings: s } = f;
  const publish = publishSection(f);
  const messages = messagesSection(f);
  const quorumRegained = !!t.leaderBack && publish.acked_after_restart > 0;
  const invariants = {
    no_acked_missing: !f.error && messages.readback_complete && messages.acked_missing === 0,
    quorum_regained: quorumRegained,
    replicas_current: t.current !== null && f.viewsAgree,
  };
  return {
    drill: 'kill-server',
    ok: invariants.no_acked_missing && invariants.quorum_regained && invariants.replicas_current && f.cleanup.servers_restored,
    cluster: { name: f.cluster.name, version: f.cluster.version, servers: f.cluster.servers },
    stream: { name: f.stream.name, subject: f.stream.subject, replicas: 3, storage: 'file' },
    config: { target: s.target, count: s.count, partition: s.partition, duration_ms: s.durationMs, rate: s.rate, down_ms: s.downMs, size: s.size, retry_budget_ms: s.retryBudgetMs },
    action: actionSection(f),
    timeline_ms: timelineSection(f),
    publish,
    leader: leaderSection(f),
    quorum: {
      expected_lost: f.targets.filter((n) => f.peers.includes(n)).length >= 2,
      lost_while_down: !!t.kill && publish.acked_while_down === 0,
      probes_while_down: f.probes,
      regained: quorumRegained,
    },
    replicas: { current_after_restart_ms: t.current !== null ? round(t.current - t.restarted) : null, views_agree: f.viewsAgree, last_seq_by_server: f.lastSeqByServer },
    messages,
    consumer: consumerSection(f),
    cleanup: f.cleanup,
    invariants,
    error: f.error,
  };
}

const s1 = (ms: number | null): string => (ms === null ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`);
const fmtProbes = (p: Record<string, Record<string, number>>): string =>
  Object.entries(p).filter(([, m]) => Object.keys(m).length).map(([api, m]) => `${api.replace('_', ' ')} ${kv(m)}`).join('; ') || 'none';
const kv = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k === 'no_responders' ? '503 no responders' : k.replace(/^api_/, 'API ')} ×${v}`).join(', ') || 'none';

/** How each way of taking servers down is told. */
const METHOD_WORDS: Record<KillServerDrillReport['action']['method'], { what: string; down: string; up: string; cut: string; theRestart: string }> = {
  network: { what: 'network partition (netns veth down, then up)', down: 'cut off', up: 'healed', cut: 'partition', theRestart: 'healing' },
  SIGSTOP: { what: 'SIGSTOP/SIGCONT (partition simulated with SIGSTOP)', down: 'stopped', up: 'continued', cut: 'stop', theRestart: 'the restart' },
  SIGKILL: { what: 'SIGKILL + restart', down: 'killed', up: 'restarted', cut: 'kill', theRestart: 'the restart' },
};

function headLine(r: KillServerDrillReport): string {
  const a = r.action;
  const leader = a.killed_leader ? `, stream leader ${a.leader_before} among them` : a.leader_before ? `; stream leader was ${a.leader_before}` : '';
  return `drill kill-server: ${METHOD_WORDS[a.method].what} of ${a.targets.join(', ') || '-'} (${a.targets.length} of ${r.cluster.servers.length}${leader}) on nats-server ${r.cluster.version}`;
}

function leaderLine(r: KillServerDrillReport): string {
  const l = r.leader;
  if (!r.action.killed_leader && l.leaderless_ms === 0 && l.after === l.before) return `  stream leader: ${l.before ?? '?'} kept throughout (it was not taken down)`;
  return `  stream leader: ${l.before ?? '?'} → ${l.after ?? 'none'}; no leader (with quorum) for ${s1(l.leaderless_ms)} in total; back ${s1(l.back_after_kill_ms)} after the ${METHOD_WORDS[r.action.method].cut}`;
}

function quorumLine(r: KillServerDrillReport): string {
  const { quorum: q, publish: p } = r;
  const theRestart = METHOD_WORDS[r.action.method].theRestart;
  const probes = `API probes: ${fmtProbes(q.probes_while_down)}`;
  if (q.expected_lost) {
    const down = q.lost_while_down ? 'no quorum while down' : 'UNEXPECTED: publishes were acked while a majority was down';
    const after = q.regained ? `regained after ${theRestart} (leader back ${s1(r.leader.back_after_restart_ms)} after it, ${p.acked_after_restart} acked since)` : 'NOT regained';
    return `  quorum: ${down} (${p.acked_while_down} acked while down; ${probes}); ${after}`;
  }
  return `  quorum: kept (${p.acked_while_down} acked while down; ${probes}); ${q.regained ? `${p.acked_after_restart} acked after ${theRestart}` : `NOT regained after ${theRestart}`}`;
}

function replicasLine(r: KillServerDrillReport): string {
  const x = r.replicas;
  const current = x.current_after_restart_ms !== null ? `current ${s1(x.current_after_restart_ms)} after ${METHOD_WORDS[r.action.method].theRestart}` : 'NOT current';
  const seqs = Object.entries(x.last_seq_by_server).map(([k, v]) => `${k}=${v ?? '?'}`).join(' ');
  return `  replicas: ${current}; each server's own /jsz ${x.views_agree ? 'agrees' : 'DISAGREES'} (last seq ${seqs})`;
}

function messagesLine(r: KillServerDrillReport): string {
  const m = r.messages;
  const sample = m.acked_missing_sample.length ? ` (${m.acked_missing_sample.slice(0, 5).join(', ')}…)` : '';
  return `  messages: ${m.in_stream} in the stream${m.readback_complete ? '' : ' (readback INCOMPLETE)'}; acked missing: ${m.acked_missing ?? 'not checked'}${sample}; ` +
    `duplicates: ${m.duplicates_in_stream}; stored but not acked: ${m.stored_not_acked}`;
}

function resultLine(r: KillServerDrillReport): string {
  const inv = r.invariants;
  const verdict = r.ok ? 'PASS' : r.error?.startsWith('interrupted') ? 'INTERRUPTED' : 'FAIL';
  const yes = (b: boolean) => (b ? 'yes' : 'NO');
  return `result: ${verdict} (acked missing 0: ${yes(inv.no_acked_missing)}; quorum regained: ${yes(inv.quorum_regained)}; replicas current: ${yes(inv.replicas_current)})`;
}

/** The report as text. */
export function formatDrillReport(r: KillServerDrillReport): string {
  const a = r.action;
  const p = r.publish;
  const l = p.latency_ms;
  const words = METHOD_WORDS[a.method];
  const c = r.consumer;
  const lines = [
    headLine(r),
    `  stream ${r.stream.name} R${r.stream.replicas} file; ${r.config.rate || 'max'} msgs/s for ${s1(r.config.duration_ms)}, down for ${s1(r.config.down_ms)}; clients on ${a.clients_on.join(', ')}`,
    ...(a.partition ? [`  partition: ${a.partition}${a.method === 'SIGSTOP' ? '; `jetkeeper up --netns` starts a cluster whose network a drill can cut' : ''}`] : []),
    `  timeline: ${words.down} at ${s1(r.timeline_ms.kill)}, ${words.up} at ${s1(r.timeline_ms.restart)} (ready at ${s1(r.timeline_ms.restarted)}), publishing until ${s1(r.timeline_ms.publish_end)}`,
    `  publishes: ${p.attempted} attempted, ${p.acked} acked, ${p.failed} failed (gave up after ${s1(r.config.retry_budget_ms)} of retries with the same message ID); ${p.retried} retries; failed attempts: ${kv(p.errors)}`,
    `  publish latency: p50 ${l.p50}ms  p90 ${l.p90}ms  p99 ${l.p99}ms  p99.9 ${l.p999}ms  max ${l.max}ms; longest gap between acks ${s1(p.longest_ack_gap_ms)}; ${p.rate_achieved} acked/s`,
    leaderLine(r),
    quorumLine(r),
    replicasLine(r),
    messagesLine(r),
    `  consumer: ${c.deliveries} deliveries (${c.unique} distinct, ${c.redelivered} redelivered); acked never delivered: ${c.acked_never_delivered}${c.drained ? '' : ' (not drained)'}`,
    `  cleanup: stream ${r.cleanup.stream_deleted ? 'deleted' : 'NOT deleted'}; servers ${r.cleanup.servers_restored ? 'all running' : 'NOT all restored'}${r.cleanup.error ? ` (${r.cleanup.error})` : ''}`,
  ];
  if (r.error) lines.push(`  error: ${r.error}`);
  lines.push(resultLine(r));
  return lines.join('\n');
}
