/**
 * Scheduled backups: the controller's side of BackupPolicy. A source offers policies (a file in
 * the watched directory, a BackupPolicy object in Kubernetes); the scheduler runs each at its cron
 * times, one run at a time for the whole controller, through the controller's pooled NATS
 * connection, and reports a status per policy and the backup metrics on the controller's
 * registry. What is already on disk counts: at start the newest backups under a policy's
 * destination give its last success and last verification, and a run missed while the
 * controller was down runs at once.
 */
import type { Registry } from 'prom-client';
import { registerBackupMetrics, type BackupCollector } from '../backup/metrics.js';
import { namedStreams, nextRun, policyLabel, previousRun, runBackupPolicy, type BackupPolicy, type PolicyRunResult } from '../backup/policy.js';
import { backupsOnDisk, type DiskRecord } from '../backup/policy-disk.js';
import type { JkError } from '../errors.js';
import { redactUrls, type Logger } from '../log.js';
import type { JetStreamAdmin } from '../nats/admin.js';
import type { ConnectionSettings } from '../nats/settings.js';
import type { Clock } from './queue.js';
import type { BackupPolicyStatus, PolicyItem, PolicyStreamStatus } from './source.js';

export interface BackupSchedulerOptions {
  connect: (s: ConnectionSettings) => Promise<JetStreamAdmin>;
  /** forget a connection after a failure */
  drop?: (s: ConnectionSettings) => Promise<void>;
  connection: ConnectionSettings;
  clock: Clock;
  registry: Registry;
  report: (key: string, status: BackupPolicyStatus) => void;
  /** read-only controllers back up but do not verify (verifying creates a scratch stream) */
  readOnly: boolean;
  log?: Logger;
  /** default runBackupPolicy (tests) */
  run?: typeof runBackupPolicy;
}

interface Entry {
  item: PolicyItem;
  timer?: unknown;
  next?: Date;
  status: BackupPolicyStatus;
}

/** The longest single wait: a monthly schedule is re-armed rather than waited for in one timer (timers overflow at 24.8 days). */
const MAX_WAIT_MS = 3_600_000;

export class BackupScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly metrics: BackupCollector;
  private started = false;
  private stopped = false;
  /** runs go one after the other: backups of one cluster compete for its disks */
  private chain: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(private readonly o: BackupSchedulerOptions) {
    this.metrics = registerBackupMetrics(o.registry);
  }

  upsert(item: PolicyItem): void {
    if (this.stopped) return;
    const prev = this.entries.get(item.key);
    if (prev && prev.item.generation === item.generation) return;
    this.disarm(prev);
    if (prev?.item.policy) this.metrics.forget(policyLabel(prev.item.policy));
    const entry: Entry = { item, status: this.initialStatus(item) };
    this.entries.set(item.key, entry);
    if (item.policy) this.seedFromDisk(entry, item.policy);
    this.publish(entry);
    if (this.started) this.arm(entry, true);
  }

  remove(key: string): void {
    const e = this.entries.get(key);
    this.entries.delete(key);
    this.disarm(e);
    if (e?.item.policy) this.metrics.forget(policyLabel(e.item.policy));
  }

  /** Arms every policy's timer (the controller started, or became leader). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const e of this.entries.values()) this.arm(e, true);
  }

  /** No run starts after this; a snapshot in flight is aborted (its partial backup removed). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.entries.values()) this.disarm(e);
    this.abort.abort();
    await this.chain;
  }

  /** Runs the policy now, after any run in flight (tests, and a missed schedule). */
  runNow(key: string): Promise<void> {
    const e = this.entries.get(key);
    if (!e?.item.policy || this.stopped) return Promise.resolve();
    return this.enqueue(e);
  }

  /** Resolves when no run is queued or in flight. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.chain;
      await seen;
    } while (seen !== this.chain);
  }

  snapshot(): { key: string; origin?: string; name?: string; generation: number; status: BackupPolicyStatus }[] {
    return [...this.entries.values()].sort((a, b) => (a.item.key < b.item.key ? -1 : 1)).map((e) => ({
      key: e.item.key, origin: e.item.origin, name: e.item.policy?.metadata.name, generation: e.item.generation, status: e.status,
    }));
  }

  private initialStatus(item: PolicyItem): BackupPolicyStatus {
    if (!item.policy) {
      const errors = item.errors ?? [];
      return { ready: false, reason: 'InvalidPolicy', message: errors.map((e: JkError) => e.format()).join('\n') || 'the policy is invalid', observedGeneration: item.generation };
    }
    if (item.policy.spec.suspend) return { ready: true, reason: 'Suspended', message: 'spec.suspend is true: no run is scheduled', observedGeneration: item.generation };
    return { ready: true, reason: 'Scheduled', message: 'waiting for the first run', observedGeneration: item.generation };
  }

  /** Last success and verification from the backups already under the destination. */
  private seedFromDisk(e: Entry, policy: BackupPolicy): void {
    const disk = backupsOnDisk(policy);
    if (!disk.length) return;
    const latest = (pick: (r: DiskRecord) => string | undefined) => disk.map(pick).filter((t): t is string => !!t).sort().at(-1);
    e.status = { ...e.status, lastSuccessTime: latest((r) => r.createdAt), lastVerifiedTime: latest((r) => r.verifiedAt), message: `${disk.length} stream(s) with backups on disk; waiting for the next run` };
    this.metrics.seed(policyLabel(policy), disk, policy.spec.maxVerifiedAge);
  }

  private arm(e: Entry, starting = false): void {
    const policy = e.item.policy;
    if (!policy || policy.spec.suspend || this.stopped) return;
    const now = new Date(this.o.clock.now());
    if (starting && this.missedRun(e, policy, now)) {
      void this.enqueue(e);
      return;
    }
    e.next = e.next && e.next > now ? e.next : nextRun(policy, now);
    e.status = { ...e.status, nextRunTime: e.next.toISOString() };
    this.publish(e);
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, e.next.getTime() - now.getTime()));
    e.timer = this.o.clock.setTimeout(() => this.tick(e), wait);
  }

  /** A policy whose newest backup is older than its previous scheduled time missed a run (the controller was down). */
  private missedRun(e: Entry, policy: BackupPolicy, now: Date): boolean {
    const last = e.status.lastSuccessTime;
    return !!last && Date.parse(last) < previousRun(policy, now).getTime();
  }

  private tick(e: Entry): void {
    e.timer = undefined;
    if (this.entries.get(e.item.key) !== e || this.stopped) return;
    if (e.next && this.o.clock.now() < e.next.getTime()) return this.arm(e);
    e.next = undefined;
    void this.enqueue(e);
  }

  private disarm(e: Entry | undefined): void {
    if (e?.timer !== undefined) this.o.clock.clearTimeout(e.timer);
    if (e) e.timer = undefined;
  }

  private enqueue(e: Entry): Promise<void> {
    const run = this.chain.then(() => this.runEntry(e));
    this.chain = run.catch(() => undefined);
    return this.chain;
  }

  private async runEntry(e: Entry): Promise<void> {
    if (this.entries.get(e.item.key) !== e || this.stopped || !e.item.policy) return;
    const policy = this.o.readOnly ? { ...e.item.policy, spec: { ...e.item.policy.spec, verify: false } } : e.item.policy;
    e.status = { ...e.status, reason: 'Running', message: 'backing up', lastRunTime: new Date(this.o.clock.now()).toISOString() };
    this.publish(e);
    const settings = e.item.connection?.settings ?? this.o.connection;
    let result: PolicyRunResult | undefined;
    let failure: string | undefined;
    try {
      const admin = await this.o.connect(settings);
      result = await (this.o.run ?? runBackupPolicy)(policy, { admin, now: () => new Date(this.o.clock.now()), signal: this.abort.signal });
    } catch (err) {
      failure = redactUrls(String((err as Error)?.message ?? err));
      await this.o.drop?.(settings).catch(() => undefined);
    }
    if (this.entries.get(e.item.key) !== e || this.stopped) return;
    this.settle(e, policy, result, failure);
    this.arm(e);
  }

  private settle(e: Entry, policy: BackupPolicy, result: PolicyRunResult | undefined, failure: string | undefined): void {
    if (result) this.metrics.observe(result, policy.spec.maxVerifiedAge);
    else this.metrics.failedRun(policyLabel(policy), namedStreams(policy), policy.spec.maxVerifiedAge);
    const streams: PolicyStreamStatus[] = (result?.streams ?? []).map((s) => ({
      stream: s.stream, ok: s.ok, dir: s.dir, bytes: s.bytes, durationSeconds: s.durationMs === undefined ? undefined : s.durationMs / 1000, verified: s.verified,
      ...(s.error ? { error: `${s.error.code}: ${redactUrls(s.error.message)}` } : {}),
    }));
    const done = streams.filter((s) => s.ok && s.dir);
    const ok = !!result?.ok;
    const at = result?.finishedAt ?? new Date(this.o.clock.now()).toISOString();
    const verified = done.length > 0 && done.every((s) => s.verified === true);
    e.status = {
      ...e.status, ready: ok, reason: ok ? 'Succeeded' : 'Failed', observedGeneration: e.item.generation, streams,
      message: failure ? `the run could not start: ${failure}` : summary(streams, this.o.readOnly),
      ...(ok ? { lastSuccessTime: at, lastSizeBytes: done.reduce((n, s) => n + (s.bytes ?? 0), 0), lastDurationSeconds: (Date.parse(at) - Date.parse(result!.startedAt)) / 1000, lastVerified: verified } : {}),
      ...(ok && verified ? { lastVerifiedTime: at } : {}),
    };
    const log = ok ? this.o.log?.info.bind(this.o.log) : this.o.log?.warn.bind(this.o.log);
    log?.({ policy: e.item.key, reason: e.status.reason }, `${e.item.key}: ${e.status.reason}: ${e.status.message}`);
  }

  private publish(e: Entry): void {
    try {
      this.o.report(e.item.key, e.status);
    } catch (err) {
      this.o.log?.warn({ policy: e.item.key }, `status report failed: ${String(err)}`);
    }
  }
}

function summary(streams: readonly PolicyStreamStatus[], readOnly: boolean): string {
  const failed = streams.filter((s) => !s.ok);
  const done = streams.filter((s) => s.ok && s.dir);
  const skipped = streams.filter((s) => s.ok && !s.dir);
  const parts = [`${done.length} of ${streams.length} stream(s) backed up`];
  if (done.length && !readOnly) parts.push(`${done.filter((s) => s.verified).length} verified by a restore`);
  if (readOnly) parts.push('not verified: the controller is read-only');
  if (skipped.length) parts.push(`${skipped.length} skipped (${skipped.map((s) => s.stream).join(', ')}: memory storage cannot be snapshotted)`);
  if (failed.length) parts.push(`failed: ${failed.map((s) => `${s.stream} (${s.error ?? 'unknown error'})`).join('; ')}`);
  return parts.join('; ');
}
