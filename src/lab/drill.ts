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
import type { LocalCluster } from '../local/cluster.js';
import { isOurServer } from '../local/cluster.js';
import { JkError } from '../errors.js';
import { JetStreamAdmin } from '../nats/admin.js';
import { JsApiCode, classify } from '../nats/errors.js';
import { LabClient, type LabStreamInfo } from '../nats/lab-client.js';
import { sleep } from '../nats/retry.js';
import type { ConnectionSettings } from '../nats/settings.js';
import {
  JsPublisher, PullConsumerLoad, openLoadConnection, probeJetStreamApi, readStream, type ApiProbe, type LoadConnection, type StreamReadback,
} from '../load/index.js';
import { LeaderMonitor, serverView } from './drill-monitor.js';
import { buildDrillReport, type DrillFacts, type DrillSettings, type DrillTimeline, type KillServerDrillReport } from './drill-report.js';

export { formatDrillReport, type KillServerDrillReport } from './drill-report.js';

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

/** a publish is retried (same message ID, jittered backoff) for this long before it counts as failed */
const RETRY_BUDGET_MS = 10_000;
const POST_RESTART_PUBLISH_MS = 3_000;
const POLL_MS = 250;

interface DrillConfig extends DrillSettings {
  /** ms after publishing starts when the targets go down */
  killAtMs: number;
  recoveryTimeoutMs: number;
  /** servers named by --target (none for `leader` / `random`) */
  named: string[];
}

/** The drill's settings from its options; JK1016 for options that make no drill. */
function drillConfig(opts: KillServerDrillOptions): DrillConfig {
  const cluster = opts.cluster;
  const count = opts.count ?? 1;
  const durationMs = opts.durationMs ?? 20_000;
  const rate = opts.rate ?? 1000;
  const downMs = opts.downMs ?? Math.round(durationMs * 0.35);
  const target = (opts.target ?? 'leader').trim();
  if (cluster.servers.length < 3) {
    throw new JkError('JK1016', { message: `a kill-server drill needs a cluster of 3 or 5 servers; ${cluster.dir} has ${cluster.servers.length}`, fix: 'start one with `jetkeeper up --servers 3`' });
  }
  if (![1, 2].includes(count)) throw new JkError('JK1016', { message: `\`count\` must be 1 or 2, not ${count}`, fix: '`count` 1 keeps the quorum, `count` 2 loses it', option: 'count' });
  if (!Number.isFinite(rate) || rate < 0) throw new JkError('JK1016', { message: `\`rate\` must be a number >= 0, not ${rate}`, option: 'rate' });
  if (!(downMs > 0)) throw new JkError('JK1016', { message: 'the down time must be positive' });
  if (durationMs < 4_000) throw new JkError('JK1016', { message: `\`durationMs\` must be at least 4s, not ${durationMs}ms`, fix: 'give `durationMs` 20s', option: 'durationMs' });
  const named = ['leader', 'random'].includes(target) ? [] : target.split(',').map((x) => x.trim()).filter(Boolean);
  for (const n of named) cluster.server(n); // JK4006 for an unknown name
  if (named.length > count && opts.count !== undefined) {
    throw new JkError('JK1016', { message: `\`target\` names ${named.length} servers but \`count\` is ${count}`, fix: 'name as many servers as `count`, or leave `count` out', option: 'target' });
  }
  const takeDown = Math.max(count, named.length);
  if (takeDown > 2) throw new JkError('JK1016', { message: 'a drill takes down at most 2 servers', fix: 'name one or two servers' });
  const partition = !!opts.partition;
  return {
    target, count: takeDown, partition, network: partition && cluster.netns !== undefined, durationMs, rate, downMs, size: opts.size ?? 128,
    retryBudgetMs: RETRY_BUDGET_MS, killAtMs: Math.round(Math.min(5_000, Math.max(1_000, durationMs * 0.25))),
    recoveryTimeoutMs: opts.recoveryTimeoutMs ?? 60_000, named,
  };
}

/** A drill starts from a healthy cluster: every server running, none cut off (an earlier drill interrupted), all ready. */
async function checkCluster(cluster: LocalCluster, log: (line: string) => void): Promise<void> {
  const notRunning = cluster.servers.filter((s) => !isOurServer(s.pid, s.configFile)).map((s) => s.name);
  if (notRunning.length) {
    throw new JkError('JK4008', {
      message: `server(s) ${notRunning.join(', ')} of the local cluster in ${cluster.dir} are not running; a drill starts from a healthy cluster`,
      fix: '`jetkeeper down` and `jetkeeper up` start it again',
    });
  }
  const cutOff = cluster.partitioned();
  if (cutOff.length) {
    log(`server(s) ${cutOff.join(', ')} were still cut off the network (an earlier drill was interrupted): healing them first`);
    for (const n of cutOff) cluster.healServer(n);
  }
  await cluster.waitReady({ timeoutMs: 15_000 });
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
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

class Interrupted extends Error {
  constructor() {
    super('interrupted: the drill was cut short (no verdict); the servers were brought back and the drill stream deleted');
  }
}

const secs = (ms: number): string => (ms / 1000).toFixed(1);

/** One run of the drill: its phases (setup, inject, observe, verify, cleanup) and what they observed. */
class KillServerDrill {
  readonly cluster: LocalCluster;
  readonly cfg: DrillConfig;
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
  readonly settings: ConnectionSettings;
  readonly streamName: string;
  readonly subject: string;
  readonly idPrefix: string;
  readonly down = new Set<string>();
  readonly probes: Record<ApiProbe, Record<string, number>> = { stream_info: {}, consumer_info: {}, account_info: {}, stream_names: {} };
  readonly t: DrillTimeline = { t0: 0, kill: 0, restart: 0, restarted: 0, leaderBack: null, current: null, publishEnd: 0 };
  readonly cleanupState = { stream_deleted: false, servers_restored: true, error: null as string | null };
  targets: string[] = [];
  peers: string[] = [];
  leaderBefore: string | null = null;
  clientsOn: string[] = [];
  created = false;
  admin?: JetStreamAdmin;
  probe?: LabClient;
  conns: LoadConnection[] = [];
  consumer?: PullConsumerLoad;
  monitor?: LeaderMonitor;
  publisher?: JsPublisher;
  publishRun?: Promise<unknown>;
  viewsAgree = false;
  lastSeqByServer: Record<string, number | null> = {};
  lastSeq = 0;
  /** messages in the stream as the leader reports them at the end (undefined: unknown) */
  messages?: number;
  readback?: StreamReadback;
  drained = false;
  resubscribed = 0;
  error: string | null = null;

  constructor(opts: KillServerDrillOptions, cfg: DrillConfig) {
    this.cluster = opts.cluster;
    this.cfg = cfg;
    this.signal = opts.signal;
    this.log = opts.log ?? (() => {});
    this.settings = opts.settings;
    const ts = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 17);
    this.streamName = `DRILL_${ts}`;
    this.subject = `jetkeeper.drill.${ts}`;
    this.idPrefix = `${this.streamName}-`;
  }

  get #aborted(): boolean {
    return !!this.signal?.aborted;
  }

  #sleepUntil(abs: number): Promise<void> {
    return sleep(abs - performance.now(), this.signal);
  }

  // ---- setup: the stream, its consumer, the targets, the load clients; the load starts

  async setup(): Promise<void> {
    const admin = (this.admin = await JetStreamAdmin.connect({ ...this.settings, name: 'jetkeeper-drill-admin' }));
    this.log(`creating stream ${this.streamName} (R3, file, subject ${this.subject}) and consumer drill`);
    await this.#createStream(admin);
    this.created = true;
    await admin.createConsumer(this.streamName, { durable_name: 'drill', ack_policy: 'explicit', ack_wait: 5_000_000_000, max_ack_pending: 20_000 });
    const si0 = await admin.streamInfo(this.streamName);
    const c = si0?.cluster;
    this.peers = c ? [...(c.leader ? [c.leader] : []), ...(c.replicas ?? []).map((r) => r.name)] : [];
    this.leaderBefore = c?.leader ?? null;
    // Targets are chosen now so the load clients can stay off them (what happens to a client that is
    // cut off with its server is not what this drill measures); re-checked at kill time for `leader`.
    this.targets = this.#pick(this.leaderBefore);
    this.clientsOn = this.cluster.servers.filter((s) => !this.targets.includes(s.name)).map((s) => s.name);
    await this.#startLoad({ ...this.settings, servers: this.cluster.servers.filter((s) => !this.targets.includes(s.name)).map((s) => s.clientUrl) });
  }

  /**
   * Right after servers came back (an earlier drill), the meta leader may still count one of them
   * offline and refuse to place an R3 stream (10005): wait for that, bounded, before measuring anything.
   */
  async #createStream(admin: JetStreamAdmin): Promise<void> {
    const deadline = performance.now() + 60_000;
    for (let loggedWait = false; ; ) {
      try {
        await admin.createStream({ name: this.streamName, subjects: [this.subject], storage: 'file', num_replicas: 3, retention: 'limits', discard: 'old' });
        return;
      } catch (e) {
        if (classify(e).apiCode !== JsApiCode.ClusterNoPeers || performance.now() > deadline || this.#aborted) throw e;
        if (!loggedWait) this.log(`the cluster cannot place an R3 stream yet (${(e as Error).message.split('\n')[0]}): waiting up to 60s`);
        loggedWait = true;
        await sleep(1_000, this.signal);
      }
    }
  }

  #pick(leader: string | null): string[] {
    const { named, count } = this.cfg;
    if (named.length) return [...named, ...shuffle(this.peers.filter((p) => !named.includes(p)))].slice(0, count);
    if (this.cfg.target === 'leader') {
      if (!leader) throw new JkError('JK2003', { message: `stream ${this.streamName} has no leader to kill` });
      return [leader, ...shuffle(this.peers.filter((p) => p !== leader))].slice(0, count);
    }
    return shuffle(this.peers).slice(0, count);
  }

  async #startLoad(clientSettings: ConnectionSettings): Promise<void> {
    const { rate, size, durationMs } = this.cfg;
    this.probe = await LabClient.connect({ ...clientSettings, name: 'jetkeeper-drill-probe', timeoutMs: 1_500 });
    const pubConn = await openLoadConnection(clientSettings, 'jetkeeper-drill-pub');
    this.conns.push(pubConn);
    const subConn = await openLoadConnection(clientSettings, 'jetkeeper-drill-sub');
    this.conns.push(subConn);
    this.consumer = new PullConsumerLoad(subConn, { stream: this.streamName, consumer: 'drill', idPrefix: this.idPrefix, signal: this.signal });
    this.publisher = new JsPublisher(pubConn, {
      subject: this.subject, size, rate, durationMs: 24 * 3600_000, idPrefix: this.idPrefix, keepAckTimes: true, maxInFlight: 64,
      attemptTimeoutMs: 2_000, retryBudgetMs: RETRY_BUDGET_MS, signal: this.signal,
    });
    this.monitor = new LeaderMonitor(this.cluster.servers, this.streamName, this.down);
    this.log(`publishing ${rate > 0 ? `${rate} msgs/s` : 'as fast as possible'} for ${durationMs / 1000}s (acked, with message IDs) and consuming; clients on ${this.clientsOn.join(', ')}`);
    this.t.t0 = performance.now();
    this.monitor.start();
    this.consumer.start();
    this.publishRun = this.publisher.run();
  }

  // ---- inject: take the targets down, probe the API while they are, bring them back

  async inject(): Promise<void> {
    const { t, cfg } = this;
    await this.#sleepUntil(t.t0 + cfg.killAtMs);
    if (this.#aborted) throw new Interrupted();
    const leaderNow = (await this.admin!.streamInfo(this.streamName).catch(() => undefined))?.cluster?.leader ?? null;
    if (cfg.target === 'leader' && !cfg.named.length && leaderNow && leaderNow !== this.leaderBefore) {
      this.log(`stream leader moved from ${this.leaderBefore} to ${leaderNow} during warm-up: taking ${leaderNow} down instead`);
      this.targets = this.#pick(leaderNow);
    }
    this.leaderBefore = leaderNow ?? this.leaderBefore;
    await this.#takeDown();
    const restartAt = t.kill + cfg.downMs;
    const probing = this.#probeWhileDown(restartAt);
    await this.#sleepUntil(restartAt);
    t.restart = performance.now();
    this.log(`t+${secs(t.restart - t.t0)}s: ${cfg.network ? 'healing the network of' : cfg.partition ? 'SIGCONT' : 'restarting'} ${this.targets.join(', ')}`);
    await this.restore();
    t.restarted = performance.now();
    await probing;
    if (this.#aborted) throw new Interrupted();
  }

  async #takeDown(): Promise<void> {
    const { targets, cluster, cfg, t } = this;
    const expectedLost = targets.filter((n) => this.peers.includes(n)).length >= 2;
    const leaderHit = targets.includes(this.leaderBefore ?? '');
    for (const n of targets) this.down.add(n);
    t.kill = performance.now();
    const at = `t+${secs(t.kill - t.t0)}s`;
    if (cfg.network) {
      for (const n of targets) cluster.partitionServer(n);
      this.log(`${at}: cut ${targets.join(', ')} off the network (netns veth down)${leaderHit ? ', the stream leader' : ''}${expectedLost ? ': the stream has no quorum now' : ''}`);
    } else if (cfg.partition) {
      for (const n of targets) signalServer(cluster, n, 'SIGSTOP');
      this.log(`${at}: SIGSTOP ${targets.join(', ')} (partition simulated with SIGSTOP)${leaderHit ? ', the stream leader' : ''}`);
    } else {
      await Promise.all(targets.map((n) => cluster.killServer(n, 'SIGKILL')));
      this.log(`${at}: SIGKILL ${targets.join(', ')}${leaderHit ? ` (${this.leaderBefore} was the stream leader)` : ''}${expectedLost ? ': the stream has no quorum now' : ''}`);
    }
  }

  /** While down: probe the JetStream API (stream info, account info, ...) about once a second. */
  async #probeWhileDown(restartAt: number): Promise<void> {
    while (performance.now() < restartAt && !this.#aborted) {
      const started = performance.now();
      const r = await probeJetStreamApi(this.probe!, this.streamName, 'drill', 1_500).catch(() => undefined);
      // a probe answered after the restart began does not count as "while down"
      if (r && performance.now() < restartAt) {
        for (const [api, kind] of Object.entries(r)) {
          const m = this.probes[api as ApiProbe];
          m[kind] = (m[kind] ?? 0) + 1;
        }
      }
      await sleep(Math.min(restartAt - performance.now(), 1_000 - (performance.now() - started)), this.signal);
    }
  }

  /** Brings back every server that is down (heal, SIGCONT or restart). */
  async restore(): Promise<void> {
    const names = [...this.down];
    if (!names.length) return;
    if (this.cfg.network) {
      for (const n of names) this.cluster.healServer(n);
      await this.cluster.waitReady({ timeoutMs: 30_000, only: names });
    } else if (this.cfg.partition) {
      for (const n of names) signalServer(this.cluster, n, 'SIGCONT');
      await this.cluster.waitReady({ timeoutMs: 30_000, only: names });
    } else {
      await Promise.all(names.map((n) => this.cluster.restartServer(n, { timeoutMs: 30_000 })));
    }
    for (const n of names) this.down.delete(n);
  }

  // ---- observe: leader back, replicas current, publishing ends, every replica's own view agrees

  async observe(): Promise<void> {
    const { t, cfg } = this;
    await this.#waitRecovered();
    if (t.leaderBack !== null) this.log(`stream leader back ${secs(t.leaderBack - t.kill)}s after the ${cfg.network ? 'partition' : cfg.partition ? 'SIGSTOP' : 'kill'}`);
    const theRestart = cfg.network ? 'healing' : 'the restart';
    this.log(t.current !== null ? `replicas current ${secs(t.current - t.restarted)}s after ${theRestart}` : `replicas NOT current within ${cfg.recoveryTimeoutMs / 1000}s of ${theRestart}`);
    await this.#sleepUntil(Math.max(t.t0 + cfg.durationMs, t.restarted + POST_RESTART_PUBLISH_MS));
    this.publisher!.stop();
    await this.publishRun;
    t.publishEnd = performance.now();
    this.log(`publishing done: ${this.publisher!.stats.acked} acked of ${this.publisher!.stats.attempted}; checking every server's own view`);
    await this.#waitViewsAgree();
  }

  /** Leader back and replicas current (bounded by the recovery timeout). */
  async #waitRecovered(): Promise<void> {
    const { t, cfg } = this;
    const deadline = t.restarted + cfg.recoveryTimeoutMs;
    const streamPeers = this.cluster.servers.filter((s) => this.peers.includes(s.name));
    while (performance.now() < deadline && !this.#aborted) {
      const si = await this.probe!.streamInfo(this.streamName).catch(() => undefined);
      if (si?.leader && t.leaderBack === null) {
        const s = this.monitor!.samples.find((x) => x.t >= t.kill && x.leader);
        t.leaderBack = s ? Math.min(s.t, performance.now()) : performance.now();
      }
      if (si?.leader && (await this.#replicasCurrent(si, streamPeers))) {
        t.current = performance.now();
        return;
      }
      await sleep(POLL_MS, this.signal);
    }
  }

  /** The leader sees every replica current and every replica's own /jsz is close to the leader's last sequence. */
  async #replicasCurrent(si: LabStreamInfo, streamPeers: LocalCluster['servers']): Promise<boolean> {
    const views = await Promise.all(streamPeers.map((s) => serverView(s, this.streamName)));
    const tolerance = Math.max(100, this.cfg.rate / 2);
    return si.peers.length === this.peers.length - 1 && si.peers.every((r) => r.current && !r.offline) &&
      views.every((v) => v !== null && v.lastSeq >= si.lastSeq - tolerance);
  }

  /** Every replica's own /jsz agrees with the leader (bounded). */
  async #waitViewsAgree(): Promise<void> {
    const deadline = performance.now() + Math.min(this.cfg.recoveryTimeoutMs, 30_000);
    const streamPeers = this.cluster.servers.filter((s) => this.peers.includes(s.name));
    while (!this.#aborted) {
      const info = await this.admin!.streamInfo(this.streamName).catch(() => undefined);
      const views = await Promise.all(streamPeers.map((s) => serverView(s, this.streamName)));
      this.lastSeqByServer = Object.fromEntries(streamPeers.map((s, i) => [s.name, views[i]?.lastSeq ?? null]));
      this.lastSeq = info?.state.last_seq ?? 0;
      this.messages = info?.state.messages;
      this.viewsAgree = !!info && views.every((v) => v !== null && v.lastSeq === info.state.last_seq && v.messages === info.state.messages);
      if (this.viewsAgree || performance.now() > deadline) return;
      await sleep(POLL_MS, this.signal);
    }
  }

  // ---- verify: the consumer catches up, then the whole stream is read back

  async verify(): Promise<void> {
    await this.#drain();
    this.log(`reading back ${this.streamName} (${this.messages ?? '?'} messages)`);
    this.readback = await readStream(this.conns[this.conns.length - 1]!, this.streamName, this.idPrefix, this.lastSeq, 60_000);
  }

  /** Waits (bounded) until the consumer has nothing pending; re-subscribes one that stalls. */
  async #drain(): Promise<void> {
    const consumer = this.consumer!;
    const deadline = performance.now() + 30_000;
    let lastDeliveries = consumer.deliveries;
    let lastProgress = performance.now();
    while (!this.#aborted && performance.now() < deadline) {
      const p = await consumer.pending();
      if (p && p.numPending === 0 && p.numAckPending === 0) {
        this.drained = true;
        return;
      }
      if (consumer.deliveries !== lastDeliveries) {
        lastDeliveries = consumer.deliveries;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > 5_000) {
        // messages pending and nothing delivered for 5 s: pull again on a fresh consume()
        this.resubscribed++;
        this.log(`consumer stalled with ${p ? p.numPending + p.numAckPending : '?'} messages pending: consuming again`);
        await consumer.resubscribe();
        lastProgress = performance.now();
      }
      await sleep(POLL_MS, this.signal);
    }
  }

  fail(e: unknown): void {
    this.error = e instanceof Interrupted ? e.message : e instanceof JkError ? e.format() : String((e as Error)?.message ?? e);
    if (!(e instanceof Interrupted)) this.log(`drill error: ${this.error}`);
  }

  // ---- cleanup: the load stops, the servers come back, the drill stream goes

  async cleanup(): Promise<void> {
    this.publisher?.stop();
    await this.publishRun?.catch(() => {});
    if (this.t.publishEnd === 0 && this.t.t0 > 0) this.t.publishEnd = performance.now();
    await this.consumer?.stop().catch(() => {});
    await this.monitor?.stop().catch(() => {});
    try {
      await this.restore();
    } catch (e) {
      this.cleanupState.servers_restored = false;
      this.cleanupState.error = `could not bring back ${[...this.down].join(', ')}: ${(e as Error).message}`;
      this.log(this.cleanupState.error);
    }
    if (this.created && this.admin) await this.#deleteStream(this.admin);
    await Promise.all(this.conns.map((c) => c.close()));
    await this.admin?.close().catch(() => {});
    await this.probe?.close().catch(() => {});
  }

  async #deleteStream(admin: JetStreamAdmin): Promise<void> {
    const c = this.cleanupState;
    for (let i = 0; i < 10 && !c.stream_deleted; i++) {
      try {
        await admin.deleteStream(this.streamName);
        c.stream_deleted = true;
      } catch (e) {
        if (i < 9) {
          await sleep(1_000);
          continue;
        }
        c.error = [c.error, `stream ${this.streamName} was left behind (${(e as Error).message}); delete it with \`nats stream rm ${this.streamName}\``].filter(Boolean).join('; ');
        this.log(c.error);
      }
    }
  }

  /** What was observed, as data for the report. */
  facts(): DrillFacts {
    const { cluster, publisher: pub, consumer: c } = this;
    return {
      cluster: { name: cluster.name, version: cluster.version, servers: cluster.servers.map((s) => s.name), netnsHub: cluster.netns?.hub },
      settings: this.cfg,
      stream: { name: this.streamName, subject: this.subject, idPrefix: this.idPrefix },
      targets: this.targets, peers: this.peers, leaderBefore: this.leaderBefore, clientsOn: this.clientsOn,
      t: this.t,
      end: performance.now(),
      publisher: pub && { stats: pub.stats, latencyMs: pub.latency.summary(1 / 1000), ackTimes: pub.ackTimes, acked: pub.acked },
      consumer: c && { deliveries: c.deliveries, delivered: c.delivered, redelivered: c.redelivered, restarts: c.restarts, notifications: c.notifications },
      drained: this.drained, resubscribed: this.resubscribed,
      samples: this.monitor?.samples ?? [],
      probes: this.probes,
      viewsAgree: this.viewsAgree, lastSeqByServer: this.lastSeqByServer,
      readback: this.readback,
      cleanup: this.cleanupState,
      error: this.error,
    };
  }
}

/** Runs the drill; returns the report (ok = the invariants hold). Throws JkError for bad options or an unusable cluster. */
export async function runKillServerDrill(opts: KillServerDrillOptions): Promise<KillServerDrillReport> {
  const cfg = drillConfig(opts);
  // every retrying publish waits on the signal
  if (opts.signal) setMaxListeners(0, opts.signal);
  await checkCluster(opts.cluster, opts.log ?? (() => {}));
  const drill = new KillServerDrill(opts, cfg);
  try {
    await drill.setup();
    await drill.inject();
    await drill.observe();
    await drill.verify();
  } catch (e) {
    drill.fail(e);
  } finally {
    await drill.cleanup();
  }
  return buildDrillReport(drill.facts());
}
