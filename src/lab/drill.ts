/**
 * `jetkeeper drill kill-server`: a failure drill against a local cluster (the `jetkeeper up` one).
 *
 * It creates its own R3 file stream (DRILL_<ts>) and a durable pull consumer, publishes acked messages
 * with message IDs at a steady rate while consuming them, kills `count` servers (SIGKILL), keeps them
 * down, restarts them, waits until the replicas are current again and then checks, by reading the
 * whole stream back, that no acked message is missing.
 *
 * --partition: on a cluster started in network namespaces (`jetkeeper up --netns`) the targets are cut
 * off the network (their veth port on the cluster's bridge goes down; they keep running) and healed
 * afterwards. On any other cluster it falls back to SIGSTOP/SIGCONT, and the report says so.
 *
 * Safety: it only signals servers recorded in the cluster's cluster.json (LocalCluster checks each pid
 * is still that server), only touches links of the cluster's own namespaces, always brings the servers
 * back (also on errors and Ctrl-C), and only ever deletes the one stream it created. It never deletes
 * or purges anything else.
 *
 * Measurements ("each server's own view"): every server's /jsz is polled on its monitor port; the
 * stream has a leader when some live server reports itself as the stream leader. Replicas are
 * current when the leader's stream info says so and every replica's own /jsz holds the messages.
 */
import { setMaxListeners } from 'node:events';
import type { LocalCluster, ServerState } from '../local/cluster.js';
import { isOurServer } from '../local/cluster.js';
import { JkError } from '../errors.js';
import { JetStreamAdmin, type StreamSnapshot } from '../nats/admin.js';
import {
  JsPublisher, PullConsumerLoad, openLoadConnection, probeJetStreamApi, readStream, type ApiProbe, type LatencySummary, type LoadConnection,
} from '../load/index.js';
import { JsApiCode, classify } from '../nats/errors.js';
import { jszStreamDetail, readJsz } from '../nats/monitor.js';
import { sleep } from '../nats/retry.js';
import type { ConnectionSettings } from '../nats/settings.js';

export interface KillServerDrillOptions {
  cluster: LocalCluster;
  /** how to reach the cluster (its client URLs; auth/TLS if any) */
  settings: ConnectionSettings;
  /** `leader` (the stream leader, default), `random` (among the stream's replicas), or server names `n2[,n3]` */
  target?: string;
  /** servers to take down: 1 (default) or 2 */
  count?: number;
  /** cut the targets' network (netns cluster), else SIGSTOP/SIGCONT, instead of SIGKILL/restart */
  partition?: boolean;
  /** publishing time (default 20 s; longer when the restart takes longer: until 3 s after it) */
  durationMs?: number;
  /** acked publishes per second (default 1000; 0 = as fast as 64 in flight allow) */
  rate?: number;
  /** how long the targets stay down (default: 35 % of the duration) */
  downMs?: number;
  /** payload bytes (default 128) */
  size?: number;
  /** bound on each recovery wait (default 60 s) */
  recoveryTimeoutMs?: number;
  signal?: AbortSignal;
  /** progress lines (phases) */
  log?: (line: string) => void;
}

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

const MONITOR_INTERVAL_MS = 250;
/** raft heartbeats are about 1 s apart: a replica silent for longer than 3 s is not counted current */
const REPLICA_SILENT_NS = 3_000_000_000;
/** a publish is retried (same message ID, jittered backoff) for this long before it counts as failed */
const RETRY_BUDGET_MS = 10_000;
const POST_RESTART_PUBLISH_MS = 3_000;

interface ServerView {
  leader?: string;
  /** in this server's view: itself plus the replicas it sees current make a majority of the peers */
  quorum: boolean;
  lastSeq: number;
  messages: number;
}

/** One server's own view of `stream` from its /jsz, or null (unreachable, or it holds no replica). */
async function serverView(s: ServerState, stream: string, timeoutMs = 800): Promise<ServerView | null> {
  try {
    const st = jszStreamDetail(await readJsz(s.monitorUrl, { streams: true, timeoutMs }), stream);
    if (!st) return null;
    const reps = st.cluster?.replicas ?? [];
    // a replica cut off by a network partition is not "offline" (no connection drops) and stays
    // "current" for a while: one not heard from for REPLICA_SILENT_NS does not count either
    const current = reps.filter((r) => r.current && !r.offline && !((r.active ?? 0) > REPLICA_SILENT_NS)).length;
    return { leader: st.cluster?.leader, quorum: 1 + current > (1 + reps.length) / 2, lastSeq: st.state?.last_seq ?? 0, messages: st.state?.messages ?? 0 };
  } catch {
    return null;
  }
}

interface Sample {
  t: number;
  /** a live server that reports itself stream leader */
  leader?: string;
}

/** Polls every live server's /jsz and records who (by its own account, with a quorum in its own view) leads the stream. */
class LeaderMonitor {
  readonly samples: Sample[] = [];
  #stopped = false;
  #loop: Promise<void> | undefined;
  constructor(
    private readonly servers: readonly ServerState[],
    private readonly stream: string,
    private readonly down: Set<string>,
  ) {}

  start(): void {
    this.#loop ??= (async () => {
      while (!this.#stopped) {
        const started = performance.now();
        const live = this.servers.filter((s) => !this.down.has(s.name));
        const views = await Promise.all(live.map((s) => serverView(s, this.stream, 600)));
        // a leader that has lost its quorum (2 of 3 down) still calls itself leader for a while: it does not count
        const leader = live.find((s, i) => views[i]?.leader === s.name && views[i]?.quorum && !this.down.has(s.name))?.name;
        this.samples.push({ t: performance.now(), leader });
        await sleep(MONITOR_INTERVAL_MS - (performance.now() - started));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  /** Sum of the intervals that ended in a sample without a leader, between `from` and `to`. */
  leaderless(from: number, to: number): number {
    let total = 0;
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1]!;
      const b = this.samples[i]!;
      if (b.t <= from || a.t >= to) continue;
      if (!b.leader) total += Math.min(b.t, to) - Math.max(a.t, from);
    }
    return total;
  }

  /** The first sample at or after `t` with a leader. */
  firstLeaderAfter(t: number): Sample | undefined {
    return this.samples.find((s) => s.t >= t && s.leader);
  }

  current(): string | undefined {
    return this.samples[this.samples.length - 1]?.leader;
  }
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function peersOf(si: StreamSnapshot | undefined): string[] {
  const c = si?.cluster;
  if (!c) return [];
  return [...(c.leader ? [c.leader] : []), ...(c.replicas ?? []).map((r) => r.name)];
}

/** Sends `sig` to one server of the cluster, only if its pid is still that server. */
function signalServer(cluster: LocalCluster, name: string, sig: NodeJS.Signals): boolean {
  const s = cluster.server(name);
  if (!isOurServer(s.pid, s.configFile)) return false;
  try {
    process.kill(s.pid, sig);
    return true;
  } catch {
    return false;
  }
}

const round = (x: number): number => Math.round(x);

class Interrupted extends Error {
  constructor() {
    super('interrupted: the drill was cut short (no verdict); the servers were brought back and the drill stream deleted');
  }
}

/** Runs the drill; returns the report (ok = the invariants hold). Throws JkError for bad options or an unusable cluster. */
export async function runKillServerDrill(opts: KillServerDrillOptions): Promise<KillServerDrillReport> {
  const cluster = opts.cluster;
  const log = opts.log ?? (() => {});
  const count = opts.count ?? 1;
  const durationMs = opts.durationMs ?? 20_000;
  const rate = opts.rate ?? 1000;
  const size = opts.size ?? 128;
  const downMs = opts.downMs ?? Math.round(durationMs * 0.35);
  const killAtMs = Math.round(Math.min(5_000, Math.max(1_000, durationMs * 0.25)));
  const recoveryTimeoutMs = opts.recoveryTimeoutMs ?? 60_000;
  const partition = !!opts.partition;
  /** --partition on a netns cluster: cut the network instead of SIGSTOP */
  const network = partition && cluster.netns !== undefined;
  const targetSpec = (opts.target ?? 'leader').trim();
  const signal = opts.signal;
  // every retrying publish waits on the signal
  if (signal) setMaxListeners(0, signal);

  if (cluster.servers.length < 3) {
    throw new JkError('JK1012', { message: `a kill-server drill needs a cluster of 3 or 5 servers; ${cluster.dir} has ${cluster.servers.length}`, fix: 'start one with `jetkeeper up --servers 3`' });
  }
  if (![1, 2].includes(count)) throw new JkError('JK1012', { message: `--count must be 1 or 2, not ${count}`, fix: 'pass --count 1 (quorum kept) or --count 2 (quorum lost)' });
  if (!Number.isFinite(rate) || rate < 0) throw new JkError('JK1012', { message: `--rate must be a number >= 0, not ${rate}` });
  if (!(downMs > 0)) throw new JkError('JK1012', { message: 'the down time must be positive' });
  if (durationMs < 4_000) throw new JkError('JK1012', { message: `--duration must be at least 4s, not ${durationMs}ms`, fix: 'pass --duration 20s' });
  const named = ['leader', 'random'].includes(targetSpec) ? [] : targetSpec.split(',').map((x) => x.trim()).filter(Boolean);
  for (const n of named) cluster.server(n); // JK1012 for an unknown name
  if (named.length > count && opts.count !== undefined) {
    throw new JkError('JK1012', { message: `--target names ${named.length} servers but --count is ${count}`, fix: 'name as many servers as --count, or leave --count out' });
  }
  const takeDown = Math.max(count, named.length);
  if (takeDown > 2) throw new JkError('JK1012', { message: 'a drill takes down at most 2 servers', fix: 'name one or two servers' });

  const notRunning = cluster.servers.filter((s) => !isOurServer(s.pid, s.configFile)).map((s) => s.name);
  if (notRunning.length) {
    throw new JkError('JK4003', {
      message: `server(s) ${notRunning.join(', ')} of the local cluster in ${cluster.dir} are not running; a drill starts from a healthy cluster`,
      fix: '`jetkeeper down` and `jetkeeper up` start it again',
    });
  }
  // a drill that was killed while its targets were cut off leaves them cut off: connect them again
  const cutOff = cluster.partitioned();
  if (cutOff.length) {
    log(`server(s) ${cutOff.join(', ')} were still cut off the network (an earlier drill was interrupted): healing them first`);
    for (const n of cutOff) cluster.healServer(n);
  }
  await cluster.waitReady({ timeoutMs: 15_000 });

  const ts = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 17);
  const streamName = `DRILL_${ts}`;
  const subject = `jetkeeper.drill.${ts}`;
  const idPrefix = `${streamName}-`;
  const down = new Set<string>();
  const probes: Record<ApiProbe, Record<string, number>> = { stream_info: {}, consumer_info: {}, account_info: {}, stream_names: {} };
  let targets: string[] = [];
  let created = false;
  let admin: JetStreamAdmin | undefined;
  let probe: JetStreamAdmin | undefined;
  const conns: LoadConnection[] = [];
  let consumer: PullConsumerLoad | undefined;
  let monitor: LeaderMonitor | undefined;
  let publisher: JsPublisher | undefined;
  let publishRun: Promise<unknown> | undefined;
  const cleanup = { stream_deleted: false, servers_restored: true, error: null as string | null };
  let error: string | null = null;

  const t: { t0: number; kill: number; restart: number; restarted: number; leaderBack: number | null; current: number | null; publishEnd: number } = {
    t0: 0, kill: 0, restart: 0, restarted: 0, leaderBack: null, current: null, publishEnd: 0,
  };
  let leaderBefore: string | null = null;
  let peers: string[] = [];
  let clientsOn: string[] = [];
  let viewsAgree = false;
  let lastSeqByServer: Record<string, number | null> = {};
  let readback: Awaited<ReturnType<typeof readStream>> | undefined;
  let drained = false;
  let resubscribed = 0;

  const restore = async (): Promise<void> => {
    const names = [...down];
    if (!names.length) return;
    if (network) {
      for (const n of names) cluster.healServer(n);
      await cluster.waitReady({ timeoutMs: 30_000, only: names });
    } else if (partition) {
      for (const n of names) signalServer(cluster, n, 'SIGCONT');
      await cluster.waitReady({ timeoutMs: 30_000, only: names });
    } else {
      await Promise.all(names.map((n) => cluster.restartServer(n, { timeoutMs: 30_000 })));
    }
    for (const n of names) down.delete(n);
  };

  try {
    admin = await JetStreamAdmin.connect({ ...opts.settings, name: 'jetkeeper-drill-admin' });
    const replicas = 3;
    log(`creating stream ${streamName} (R${replicas}, file, subject ${subject}) and consumer drill`);
    // Right after servers came back (an earlier drill), the meta leader may still count one of them
    // offline and refuse to place an R3 stream (10005): wait for that, bounded, before measuring anything.
    const placeDeadline = performance.now() + 60_000;
    for (let loggedWait = false; ; ) {
      try {
        await admin.createStream({ name: streamName, subjects: [subject], storage: 'file', num_replicas: replicas, retention: 'limits', discard: 'old' });
        break;
      } catch (e) {
        if (classify(e).apiCode !== JsApiCode.ClusterNoPeers || performance.now() > placeDeadline || signal?.aborted) throw e;
        if (!loggedWait) log(`the cluster cannot place an R3 stream yet (${(e as Error).message.split('\n')[0]}): waiting up to 60s`);
        loggedWait = true;
        await sleep(1_000, signal);
      }
    }
    created = true;
    await admin.createConsumer(streamName, { durable_name: 'drill', ack_policy: 'explicit', ack_wait: 5_000_000_000, max_ack_pending: 20_000 });
    const si0 = await admin.streamInfo(streamName);
    peers = peersOf(si0);
    leaderBefore = si0?.cluster?.leader ?? null;

    // Targets are chosen now so the load clients can stay off them (what happens to a client that is
    // cut off with its server is not what this drill measures); re-checked at kill time for `leader`.
    const pick = (leader: string | null): string[] => {
      if (named.length) {
        const others = shuffle(peers.filter((p) => !named.includes(p)));
        return [...named, ...others].slice(0, takeDown);
      }
      if (targetSpec === 'leader') {
        if (!leader) throw new JkError('JK2003', { message: `stream ${streamName} has no leader to kill` });
        return [leader, ...shuffle(peers.filter((p) => p !== leader))].slice(0, takeDown);
      }
      return shuffle(peers).slice(0, takeDown);
    };
    targets = pick(leaderBefore);
    clientsOn = cluster.servers.filter((s) => !targets.includes(s.name)).map((s) => s.name);
    const clientSettings: ConnectionSettings = { ...opts.settings, servers: cluster.servers.filter((s) => !targets.includes(s.name)).map((s) => s.clientUrl) };

    probe = await JetStreamAdmin.connect({ ...clientSettings, name: 'jetkeeper-drill-probe', timeoutMs: 1_500 });
    const probeConn = await openLoadConnection(clientSettings, 'jetkeeper-drill-probe-api');
    conns.push(probeConn);
    const pubConn = await openLoadConnection(clientSettings, 'jetkeeper-drill-pub');
    conns.push(pubConn);
    const subConn = await openLoadConnection(clientSettings, 'jetkeeper-drill-sub');
    conns.push(subConn);
    consumer = new PullConsumerLoad(subConn, { stream: streamName, consumer: 'drill', idPrefix, signal });
    publisher = new JsPublisher(pubConn, {
      subject, size, rate, durationMs: 24 * 3600_000, idPrefix, keepAckTimes: true, maxInFlight: 64,
      attemptTimeoutMs: 2_000, retryBudgetMs: RETRY_BUDGET_MS, signal,
    });
    monitor = new LeaderMonitor(cluster.servers, streamName, down);

    log(`publishing ${rate > 0 ? `${rate} msgs/s` : 'as fast as possible'} for ${durationMs / 1000}s (acked, with message IDs) and consuming; clients on ${clientsOn.join(', ')}`);
    t.t0 = performance.now();
    monitor.start();
    consumer.start();
    publishRun = publisher.run();
    const at = (ms: number) => ms - t.t0;
    const sleepUntil = (abs: number) => sleep(abs - performance.now(), signal);

    await sleepUntil(t.t0 + killAtMs);
    if (signal?.aborted) throw new Interrupted();
    const leaderNow = (await admin.streamInfo(streamName).catch(() => undefined))?.cluster?.leader ?? null;
    if (targetSpec === 'leader' && !named.length && leaderNow && leaderNow !== leaderBefore) {
      log(`stream leader moved from ${leaderBefore} to ${leaderNow} during warm-up: taking ${leaderNow} down instead`);
      targets = pick(leaderNow);
    }
    leaderBefore = leaderNow ?? leaderBefore;
    const expectedLost = targets.filter((n) => peers.includes(n)).length >= 2;
    for (const n of targets) down.add(n);
    t.kill = performance.now();
    if (network) {
      for (const n of targets) cluster.partitionServer(n);
      log(`t+${(at(t.kill) / 1000).toFixed(1)}s: cut ${targets.join(', ')} off the network (netns veth down)${targets.includes(leaderBefore ?? '') ? ', the stream leader' : ''}${expectedLost ? ': the stream has no quorum now' : ''}`);
    } else if (partition) {
      for (const n of targets) signalServer(cluster, n, 'SIGSTOP');
      log(`t+${(at(t.kill) / 1000).toFixed(1)}s: SIGSTOP ${targets.join(', ')} (partition simulated with SIGSTOP)${targets.includes(leaderBefore ?? '') ? ', the stream leader' : ''}`);
    } else {
      await Promise.all(targets.map((n) => cluster.killServer(n, 'SIGKILL')));
      log(`t+${(at(t.kill) / 1000).toFixed(1)}s: SIGKILL ${targets.join(', ')}${targets.includes(leaderBefore ?? '') ? ` (${leaderBefore} was the stream leader)` : ''}${expectedLost ? ': the stream has no quorum now' : ''}`);
    }

    // While down: probe the JetStream API (stream info, account info) about once a second.
    const restartAt = t.kill + downMs;
    const probing = (async () => {
      while (performance.now() < restartAt && !signal?.aborted) {
        const started = performance.now();
        const r = await probeJetStreamApi(probeConn, streamName, 'drill', 1_500).catch(() => undefined);
        // a probe answered after the restart began does not count as "while down"
        if (r && performance.now() < restartAt) for (const [api, kind] of Object.entries(r)) bump(probes[api as ApiProbe], kind);
        await sleep(Math.min(restartAt - performance.now(), 1_000 - (performance.now() - started)), signal);
      }
    })();
    await sleepUntil(restartAt);

    t.restart = performance.now();
    log(`t+${(at(t.restart) / 1000).toFixed(1)}s: ${network ? 'healing the network of' : partition ? 'SIGCONT' : 'restarting'} ${targets.join(', ')}`);
    await restore();
    t.restarted = performance.now();
    await probing;
    if (signal?.aborted) throw new Interrupted();

    // Leader back and replicas current (bounded waits).
    const deadline = t.restarted + recoveryTimeoutMs;
    const streamPeers = cluster.servers.filter((s) => peers.includes(s.name));
    while (performance.now() < deadline && !signal?.aborted) {
      const si = await probe.streamInfo(streamName).catch(() => undefined);
      const leader = si?.cluster?.leader;
      if (leader && t.leaderBack === null) {
        const s = monitor.firstLeaderAfter(t.kill);
        t.leaderBack = s ? Math.min(s.t, performance.now()) : performance.now();
      }
      if (leader && si) {
        const reps = si.cluster?.replicas ?? [];
        const leaderSeq = si.state.last_seq;
        const views = await Promise.all(streamPeers.map((s) => serverView(s, streamName)));
        const tolerance = Math.max(100, rate / 2);
        const ok = reps.length === peers.length - 1 && reps.every((r) => r.current && !r.offline) && views.every((v) => v !== null && v.lastSeq >= leaderSeq - tolerance);
        if (ok) {
          t.current = performance.now();
          break;
        }
      }
      await sleep(250, signal);
    }
    if (t.leaderBack !== null) log(`stream leader back ${((t.leaderBack - t.kill) / 1000).toFixed(1)}s after the ${network ? 'partition' : partition ? 'SIGSTOP' : 'kill'}`);
    const theRestart = network ? 'healing' : 'the restart';
    log(t.current !== null ? `replicas current ${((t.current - t.restarted) / 1000).toFixed(1)}s after ${theRestart}` : `replicas NOT current within ${recoveryTimeoutMs / 1000}s of ${theRestart}`);

    await sleepUntil(Math.max(t.t0 + durationMs, t.restarted + POST_RESTART_PUBLISH_MS));
    publisher.stop();
    await publishRun;
    t.publishEnd = performance.now();
    log(`publishing done: ${publisher.stats.acked} acked of ${publisher.stats.attempted}; checking every server's own view`);

    // Every replica's own /jsz agrees with the leader (bounded).
    const agreeDeadline = performance.now() + Math.min(recoveryTimeoutMs, 30_000);
    let finalInfo: StreamSnapshot | undefined;
    while (!signal?.aborted) {
      finalInfo = await admin.streamInfo(streamName).catch(() => undefined);
      const views = await Promise.all(streamPeers.map((s) => serverView(s, streamName)));
      lastSeqByServer = Object.fromEntries(streamPeers.map((s, i) => [s.name, views[i]?.lastSeq ?? null]));
      viewsAgree = !!finalInfo && views.every((v) => v !== null && v.lastSeq === finalInfo!.state.last_seq && v.messages === finalInfo!.state.messages);
      if (viewsAgree || performance.now() > agreeDeadline) break;
      await sleep(250, signal);
    }

    // The consumer catches up (bounded), then the whole stream is read back.
    const drainDeadline = performance.now() + 30_000;
    let lastDeliveries = consumer.deliveries;
    let lastProgress = performance.now();
    while (!signal?.aborted && performance.now() < drainDeadline) {
      const p = await consumer.pending();
      if (p && p.numPending === 0 && p.numAckPending === 0) {
        drained = true;
        break;
      }
      if (consumer.deliveries !== lastDeliveries) {
        lastDeliveries = consumer.deliveries;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > 5_000) {
        // messages pending and nothing delivered for 5 s: pull again on a fresh consume()
        resubscribed++;
        log(`consumer stalled with ${p ? p.numPending + p.numAckPending : '?'} messages pending: consuming again`);
        await consumer.resubscribe();
        lastProgress = performance.now();
      }
      await sleep(250, signal);
    }
    const lastSeq = finalInfo?.state.last_seq ?? 0;
    log(`reading back ${streamName} (${finalInfo?.state.messages ?? '?'} messages)`);
    readback = await readStream(subConn, streamName, idPrefix, lastSeq, 60_000);
  } catch (e) {
    error = e instanceof Interrupted ? e.message : e instanceof JkError ? e.format() : String((e as Error)?.message ?? e);
    if (!(e instanceof Interrupted)) log(`drill error: ${error}`);
  } finally {
    publisher?.stop();
    await publishRun?.catch(() => {});
    if (t.publishEnd === 0 && t.t0 > 0) t.publishEnd = performance.now();
    await consumer?.stop().catch(() => {});
    await monitor?.stop().catch(() => {});
    try {
      await restore();
    } catch (e) {
      cleanup.servers_restored = false;
      cleanup.error = `could not bring back ${[...down].join(', ')}: ${(e as Error).message}`;
      log(cleanup.error);
    }
    if (created && admin) {
      for (let i = 0; i < 10 && !cleanup.stream_deleted; i++) {
        try {
          await admin.deleteStream(streamName);
          cleanup.stream_deleted = true;
        } catch (e) {
          if (i === 9) {
            cleanup.error = [cleanup.error, `stream ${streamName} was left behind (${(e as Error).message}); delete it with \`nats stream rm ${streamName}\``].filter(Boolean).join('; ');
            log(cleanup.error);
          } else await sleep(1_000);
        }
      }
    }
    await Promise.all(conns.map((c) => c.close()));
    await admin?.close().catch(() => {});
    await probe?.close().catch(() => {});
  }

  // ---- the report
  const end = performance.now();
  const pub = publisher;
  const ackTimes = pub?.ackTimes ?? [];
  let longestGap = 0;
  for (let i = 1; i < ackTimes.length; i++) longestGap = Math.max(longestGap, ackTimes[i]! - ackTimes[i - 1]!);
  const ackedWhileDown = t.kill ? ackTimes.filter((x) => x > t.kill + 500 && x < t.restart).length : 0;
  const ackedAfterRestart = t.restarted ? ackTimes.filter((x) => x >= t.restarted).length : 0;
  const acked = pub?.acked;
  const inStream = readback?.ids;
  const missing = acked && inStream ? acked.missingFrom(inStream) : { count: null, sample: [] };
  const storedNotAcked = acked && inStream ? inStream.missingFrom(acked).count : 0;
  const neverDelivered = acked && consumer ? acked.missingFrom(consumer.delivered).count : 0;
  const leaderAfter = monitor?.current() ?? null;
  const backSample = monitor && t.kill ? monitor.firstLeaderAfter(t.kill) : undefined;
  const backAfterRestart = monitor && t.restarted ? monitor.firstLeaderAfter(t.restart) : undefined;
  const expectedLost = targets.filter((n) => peers.includes(n)).length >= 2;
  const quorumRegained = !!t.leaderBack && ackedAfterRestart > 0;
  const readbackComplete = !!readback?.complete;
  const invariants = {
    no_acked_missing: !error && readbackComplete && missing.count === 0,
    quorum_regained: quorumRegained,
    replicas_current: t.current !== null && viewsAgree,
  };
  const rel = (x: number | null): number | null => (x === null || x === 0 ? null : round(x - t.t0));
  const elapsedPub = t.publishEnd && t.t0 ? t.publishEnd - t.t0 : 0;
  return {
    drill: 'kill-server',
    ok: invariants.no_acked_missing && invariants.quorum_regained && invariants.replicas_current && cleanup.servers_restored,
    cluster: { name: cluster.name, version: cluster.version, servers: cluster.servers.map((s) => s.name) },
    stream: { name: streamName, subject, replicas: 3, storage: 'file' },
    config: { target: targetSpec, count: takeDown, partition, duration_ms: durationMs, rate, down_ms: downMs, size, retry_budget_ms: RETRY_BUDGET_MS },
    action: {
      method: network ? 'network' : partition ? 'SIGSTOP' : 'SIGKILL',
      partition: network ? 'network (netns veth down)' : partition ? 'SIGSTOP (no network namespaces)' : null,
      note: network
        ? `partition: network (netns veth down): each target runs in its own network namespace; its veth port on the cluster's bridge (namespace ${cluster.netns?.hub}) ` +
          'was set down, so it kept running on its own side but reached neither its peers nor the clients (packets dropped, connections left open), ' +
          'and was set up again to heal'
        : partition
          ? 'partition simulated with SIGSTOP: this cluster was not started in network namespaces (`jetkeeper up --netns`, which needs Linux, root and iproute2); ' +
            'its servers all listen on 127.0.0.1 in one network namespace and a running process cannot be moved into another. A stopped server keeps its ' +
            'connections open and answers nothing, which is what its peers and clients see of a partitioned server; unlike a real partition it does not go ' +
            'on running on its own side meanwhile'
          : null,
      targets,
      leader_before: leaderBefore,
      killed_leader: !!leaderBefore && targets.includes(leaderBefore),
      clients_on: clientsOn,
    },
    timeline_ms: {
      kill: rel(t.kill) ?? 0, restart: rel(t.restart) ?? 0, restarted: rel(t.restarted) ?? 0,
      leader_back: rel(t.leaderBack), replicas_current: rel(t.current), publish_end: rel(t.publishEnd) ?? 0, end: round(end - t.t0),
    },
    publish: {
      attempted: pub?.stats.attempted ?? 0,
      acked: pub?.stats.acked ?? 0,
      failed: pub?.stats.failed ?? 0,
      retried: pub?.stats.retried ?? 0,
      duplicate_acks: pub?.stats.duplicateAcks ?? 0,
      errors: { ...(pub?.stats.errors ?? {}) },
      latency_ms: (pub?.latency ?? { summary: () => ({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 }) }).summary(1 / 1000),
      longest_ack_gap_ms: round(longestGap),
      acked_while_down: ackedWhileDown,
      acked_after_restart: ackedAfterRestart,
      rate_achieved: elapsedPub > 0 ? Math.round(((pub?.stats.acked ?? 0) * 1000) / elapsedPub) : 0,
    },
    leader: {
      before: leaderBefore,
      after: leaderAfter,
      leaderless_ms: monitor && t.t0 ? round(monitor.leaderless(t.t0, end)) : 0,
      back_after_kill_ms: backSample ? round(backSample.t - t.kill) : null,
      back_after_restart_ms: backAfterRestart ? round(Math.max(0, backAfterRestart.t - t.restarted)) : null,
    },
    quorum: {
      expected_lost: expectedLost,
      lost_while_down: !!t.kill && ackedWhileDown === 0,
      probes_while_down: probes,
      regained: quorumRegained,
    },
    replicas: { current_after_restart_ms: t.current !== null ? round(t.current - t.restarted) : null, views_agree: viewsAgree, last_seq_by_server: lastSeqByServer },
    messages: {
      in_stream: readback?.messages ?? 0,
      acked_missing: missing.count,
      acked_missing_sample: missing.sample.map((i) => `${idPrefix}${i}`),
      duplicates_in_stream: inStream?.extra ?? 0,
      stored_not_acked: storedNotAcked,
      readback_complete: readbackComplete,
    },
    consumer: {
      deliveries: consumer?.deliveries ?? 0,
      unique: consumer?.delivered.distinct ?? 0,
      redelivered: consumer?.redelivered ?? 0,
      acked_never_delivered: neverDelivered,
      drained,
      restarts: consumer?.restarts ?? 0,
      resubscribed,
      notifications: { ...(consumer?.notifications ?? {}) },
    },
    cleanup,
    invariants,
    error,
  };
}

const s1 = (ms: number | null): string => (ms === null ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`);
const fmtProbes = (p: Record<string, Record<string, number>>): string =>
  Object.entries(p).filter(([, m]) => Object.keys(m).length).map(([api, m]) => `${api.replace('_', ' ')} ${kv(m)}`).join('; ') || 'none';
const kv = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k === 'no_responders' ? '503 no responders' : k.replace(/^api_/, 'API ')} ×${v}`).join(', ') || 'none';

/** The report as text. */
export function formatDrillReport(r: KillServerDrillReport): string {
  const a = r.action;
  const p = r.publish;
  const l = p.latency_ms;
  const what =
    a.method === 'network' ? 'network partition (netns veth down, then up)' : a.method === 'SIGSTOP' ? 'SIGSTOP/SIGCONT (partition simulated with SIGSTOP)' : 'SIGKILL + restart';
  const [downWord, upWord, cutWord] =
    a.method === 'network' ? ['cut off', 'healed', 'partition'] : a.method === 'SIGSTOP' ? ['stopped', 'continued', 'stop'] : ['killed', 'restarted', 'kill'];
  const theRestart = a.method === 'network' ? 'healing' : 'the restart';
  const lines = [
    `drill kill-server: ${what} of ${a.targets.join(', ') || '-'} (${a.targets.length} of ${r.cluster.servers.length}${a.killed_leader ? `, stream leader ${a.leader_before} among them` : a.leader_before ? `; stream leader was ${a.leader_before}` : ''}) on nats-server ${r.cluster.version}`,
    `  stream ${r.stream.name} R${r.stream.replicas} file; ${r.config.rate || 'max'} msgs/s for ${s1(r.config.duration_ms)}, down for ${s1(r.config.down_ms)}; clients on ${a.clients_on.join(', ')}`,
    ...(a.partition ? [`  partition: ${a.partition}${a.method === 'SIGSTOP' ? '; `jetkeeper up --netns` starts a cluster whose network a drill can cut' : ''}`] : []),
    `  timeline: ${downWord} at ${s1(r.timeline_ms.kill)}, ${upWord} at ${s1(r.timeline_ms.restart)} (ready at ${s1(r.timeline_ms.restarted)}), publishing until ${s1(r.timeline_ms.publish_end)}`,
    `  publishes: ${p.attempted} attempted, ${p.acked} acked, ${p.failed} failed (gave up after ${s1(r.config.retry_budget_ms)} of retries with the same message ID); ${p.retried} retries; failed attempts: ${kv(p.errors)}`,
    `  publish latency: p50 ${l.p50}ms  p90 ${l.p90}ms  p99 ${l.p99}ms  p99.9 ${l.p999}ms  max ${l.max}ms; longest gap between acks ${s1(p.longest_ack_gap_ms)}; ${p.rate_achieved} acked/s`,
    !a.killed_leader && r.leader.leaderless_ms === 0 && r.leader.after === r.leader.before
      ? `  stream leader: ${r.leader.before ?? '?'} kept throughout (it was not taken down)`
      : `  stream leader: ${r.leader.before ?? '?'} → ${r.leader.after ?? 'none'}; no leader (with quorum) for ${s1(r.leader.leaderless_ms)} in total; back ${s1(r.leader.back_after_kill_ms)} after the ${cutWord}`,
    r.quorum.expected_lost
      ? `  quorum: ${r.quorum.lost_while_down ? 'no quorum while down' : 'UNEXPECTED: publishes were acked while a majority was down'} (${p.acked_while_down} acked while down; API probes: ${fmtProbes(r.quorum.probes_while_down)}); ${r.quorum.regained ? `regained after ${theRestart} (leader back ${s1(r.leader.back_after_restart_ms)} after it, ${p.acked_after_restart} acked since)` : 'NOT regained'}`
      : `  quorum: kept (${p.acked_while_down} acked while down; API probes: ${fmtProbes(r.quorum.probes_while_down)}); ${r.quorum.regained ? `${p.acked_after_restart} acked after ${theRestart}` : `NOT regained after ${theRestart}`}`,
    `  replicas: ${r.replicas.current_after_restart_ms !== null ? `current ${s1(r.replicas.current_after_restart_ms)} after ${theRestart}` : 'NOT current'}; each server's own /jsz ${r.replicas.views_agree ? 'agrees' : 'DISAGREES'} (last seq ${Object.entries(r.replicas.last_seq_by_server).map(([k, v]) => `${k}=${v ?? '?'}`).join(' ')})`,
    `  messages: ${r.messages.in_stream} in the stream${r.messages.readback_complete ? '' : ' (readback INCOMPLETE)'}; acked missing: ${r.messages.acked_missing ?? 'not checked'}${r.messages.acked_missing_sample.length ? ` (${r.messages.acked_missing_sample.slice(0, 5).join(', ')}…)` : ''}; duplicates: ${r.messages.duplicates_in_stream}; stored but not acked: ${r.messages.stored_not_acked}`,
    `  consumer: ${r.consumer.deliveries} deliveries (${r.consumer.unique} distinct, ${r.consumer.redelivered} redelivered); acked never delivered: ${r.consumer.acked_never_delivered}${r.consumer.drained ? '' : ' (not drained)'}`,
    `  cleanup: stream ${r.cleanup.stream_deleted ? 'deleted' : 'NOT deleted'}; servers ${r.cleanup.servers_restored ? 'all running' : 'NOT all restored'}${r.cleanup.error ? ` (${r.cleanup.error})` : ''}`,
  ];
  if (r.error) lines.push(`  error: ${r.error}`);
  const inv = r.invariants;
  lines.push(
    `result: ${r.ok ? 'PASS' : r.error?.startsWith('interrupted') ? 'INTERRUPTED' : 'FAIL'} (acked missing 0: ${inv.no_acked_missing ? 'yes' : 'NO'}; quorum regained: ${inv.quorum_regained ? 'yes' : 'NO'}; replicas current: ${inv.replicas_current ? 'yes' : 'NO'})`,
  );
  return lines.join('\n');
}
