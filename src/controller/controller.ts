/**
 * The controller: keeps what a source declares equal to the NATS server, continuously. Items go
 * through a work queue keyed per resource (queue.ts); each pass runs the reconcile core
 * (pass.ts); a periodic resync (±10 % jitter) reads everything once per connection, reports
 * drift and repairs it or only reports it; removed items are pruned with the mass-delete guard
 * (removal.ts). Statuses go back to the source only when they changed, events deduplicated.
 */
import { redactUrls, type Logger } from '../log.js';
import type { Resource } from '../manifests/validate.js';
import { settingsKey } from '../nats/overlay.js';
import type { ConnectionSettings } from '../nats/settings.js';
import { BackupScheduler } from './backups.js';
import { createControllerMetrics, type ControllerMetrics } from './http.js';
import { planAll, poolKeyOf, resourceFor, runPass, type PassEnv } from './pass.js';
import { ConnectionPool, type Connect } from './pool.js';
import { SYSTEM_CLOCK, WorkQueue, type Clock, type WorkResult } from './queue.js';
import type { Decision, DriftMode } from './reasons.js';
import { removeAssets, type PendingRemoval, type RemovalStep } from './removal.js';
import type { BackupPolicyStatus, ControllerSource, EventReason, EventType, ItemStatus, RemoveOptions, SourceItem, SourceSink } from './source.js';

export interface ControllerOptions {
  source: ControllerSource;
  /** where to connect when an item brings no connection of its own */
  connection: ConnectionSettings;
  /** the ownership tag; prune deletes only what carries it */
  owner: string;
  /** default 60 000; each resync waits this ±10 % */
  syncIntervalMs?: number;
  /** default repair */
  drift?: DriftMode;
  /** write nothing, only report */
  readOnly?: boolean;
  /** passes at once (default 4) */
  workers?: number;
  /** the most resources one pass takes (default 64) */
  batch?: number;
  /** the most deletes one prune may make (default: the guard of `apply --prune`) */
  pruneMax?: number;
  /** after this long a removal that cannot complete orphans the asset (default 300 000) */
  removalTimeoutMs?: number;
  /** NATS requests in flight per pass (default: 16 shared by the workers, at least 2 each) */
  concurrency?: number;
  log?: Logger;
  /** default: JetStreamAdmin.connect */
  connect?: Connect;
  clock?: Clock;
  random?: () => number;
  /** queue backoff (tests) */
  backoff?: { baseMs: number; maxMs: number };
}

interface Removal extends PendingRemoval {
  deadline: number;
  done?: RemoveOptions['done'];
  state: 'pending' | 'refused';
  message: string;
}

/** The stable JSON of GET /status and of the status file (documented in docs/controller.md). */
export interface ControllerSnapshot {
  source: string;
  synced: boolean;
  ready: boolean;
  owner: string;
  drift: DriftMode;
  readOnly: boolean;
  items: { key: string; origin?: string; kind?: string; name?: string; generation: number; status?: ItemStatus }[];
  removals: { key: string; state: 'pending' | 'refused'; message: string }[];
  /** scheduled backups (BackupPolicy) */
  backupPolicies: { key: string; origin?: string; name?: string; generation: number; status: BackupPolicyStatus }[];
}

const SUCCESS = new Set(['Created', 'Updated', 'InSync', 'DriftRepaired', 'UpdatePrevented', 'NoQuorum']);
/** Reasons that mean the declared state was not reached and someone must act (a waiting consumer or drift only reported is not an error). */
const ERRORS = new Set(['ConnectionFailed', 'NoQuorum', 'ServerUnsupported', 'InvalidManifest', 'ImmutableFieldChanged', 'NotOwned']);

/** Two offers of one key declare the same thing: generation, resource, policy, errors, connection and origin. */
export function sameItem(a: SourceItem | undefined, b: SourceItem): boolean {
  if (!a) return false;
  const view = (i: SourceItem) => JSON.stringify([
    i.key, i.generation, i.resource ?? null, i.policy, (i.errors ?? []).map((e) => [e.code, e.message, e.resource, e.field]), i.connection?.poolKey ?? '', i.connection ? settingsKey(i.connection.settings) : '', i.origin ?? '',
  ]);
  return view(a) === view(b);
}

export class Controller {
  readonly metrics: ControllerMetrics;
  readonly backups: BackupScheduler;
  private readonly items = new Map<string, SourceItem>();
  private readonly lastGood = new Map<string, Resource>();
  private readonly statuses = new Map<string, ItemStatus>();
  private readonly reconciled = new Map<string, number>();
  private readonly removals = new Map<string, Removal>();
  private readonly lastEvent = new Map<string, string>();
  private readonly hinted = new Set<string>();
  private readonly queue: WorkQueue;
  private readonly pool: ConnectionPool;
  private readonly env: PassEnv;
  private readonly clock: Clock;
  private synced = false;
  /** the first resync after the source's initial list has finished */
  private settled = false;
  private stopped = false;
  private resyncTimer: unknown;
  private resyncing?: Promise<void>;

  constructor(private readonly o: ControllerOptions) {
    this.clock = o.clock ?? SYSTEM_CLOCK;
    this.pool = new ConnectionPool(o.connect);
    this.queue = new WorkQueue((keys) => this.work(keys), {
      workers: o.workers, batch: o.batch, clock: this.clock, random: o.random, baseMs: o.backoff?.baseMs, maxMs: o.backoff?.maxMs,
    });
    this.metrics = createControllerMetrics(() => this.queue.depth());
    this.backups = new BackupScheduler({
      connect: this.pool.connect, drop: (s) => this.pool.drop(s), connection: o.connection, clock: this.clock, registry: this.metrics.registry, readOnly: !!o.readOnly, log: o.log,
      report: (key, status) => void Promise.resolve().then(() => o.source.reportBackupPolicy?.(key, status)).catch((e: unknown) => o.log?.warn({ policy: key }, `status report failed: ${String(e)}`)),
    });
    this.env = {
      owner: o.owner, drift: o.drift ?? 'repair', readOnly: !!o.readOnly, connection: o.connection, pool: this.pool, concurrency: o.concurrency ?? Math.max(2, Math.floor(16 / (o.workers ?? 4))), pruneMax: o.pruneMax,
      accounts: (poolKey) => this.accountsIn(poolKey),
      manifestChanged: (item) => this.reconciled.get(item.key) !== item.generation,
      announce: (item, d) => { if (d.event) this.emit(item.key, d.event.type, d.event.reason, d.event.message); },
      stopping: () => this.stopped,
    };
  }

  /** The sink the source feeds. */
  sink(): SourceSink {
    return {
      upsert: (i) => this.upsert(i), remove: (k, opts) => this.remove(k, opts), synced: () => this.onSynced(),
      upsertBackupPolicy: (i) => this.backups.upsert(i), removeBackupPolicy: (k) => this.backups.remove(k),
    };
  }

  /** Starts the source; the first resync runs when the source reports its initial list. */
  async start(): Promise<void> {
    await this.o.source.start(this.sink());
    this.backups.start();
  }

  /** Graceful stop: no new pass starts, the passes in flight finish, connections close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    await this.o.source.stop().catch(() => undefined);
    await this.backups.stop();
    await this.queue.stop();
    await this.resyncing;
    await this.pool.close();
  }

  /** Ready: the source watches, the initial list was planned once, and every NATS connection in use is up. */
  ready(): boolean {
    return this.settled && this.o.source.ready() && this.pool.allUp() && !this.stopped;
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    await this.resyncing;
    await this.queue.idle();
  }

  statusOf(key: string): ItemStatus | undefined {
    return this.statuses.get(key);
  }

  snapshot(): ControllerSnapshot {
    return {
      source: this.o.source.name, synced: this.synced, ready: this.ready(), owner: this.o.owner, drift: this.env.drift, readOnly: this.env.readOnly,
      items: [...this.items.values()].sort((a, b) => (a.key < b.key ? -1 : 1)).map((i) => ({
        key: i.key, origin: i.origin, kind: i.resource?.kind, name: i.resource?.name, generation: i.generation, status: this.statuses.get(i.key),
      })),
      removals: [...this.removals.values()].map((r) => ({ key: r.key, state: r.state, message: redactUrls(r.message) })),
      backupPolicies: this.backups.snapshot(),
    };
  }

  /** Runs a resync now (normally on the timer). */
  async resync(): Promise<void> {
    if (this.stopped) return;
    if (!this.resyncing) this.resyncing = this.runResync().finally(() => { this.resyncing = undefined; });
    await this.resyncing;
  }

  private upsert(item: SourceItem): void {
    if (this.stopped) return;
    this.removals.delete(item.key);
    // the same desired state offered again (e.g. a source's own metadata write echoed back) keeps the
    // item a pass may have in flight, so that pass's result (and its Created event) still counts
    if (!sameItem(this.items.get(item.key), item)) this.items.set(item.key, item);
    if (item.resource && !item.errors?.length) this.lastGood.set(item.key, item.resource);
    if (this.synced) this.queue.add(item.key);
  }

  private remove(key: string, opts: RemoveOptions = {}): void {
    const item = this.items.get(key);
    this.items.delete(key);
    this.statuses.delete(key);
    this.hinted.delete(key);
    const resource = this.lastGood.get(key);
    this.lastGood.delete(key);
    this.reconciled.delete(key);
    this.queue.forget(key);
    const orphan = !item || !resource || item.policy.deletion === 'orphan' || item.policy.preventDelete || !item.policy.managed || this.env.readOnly;
    if (orphan) {
      const why = !resource ? 'it was never valid' : this.env.readOnly ? 'the controller is read-only' : !item!.policy.managed ? 'observe only' : item!.policy.preventDelete ? 'preventDelete' : 'deletion policy orphan';
      this.finishRemoval(key, opts.done, { result: 'orphaned', message: `left on the server (${why})` }, !!resource);
      return;
    }
    this.removals.set(key, {
      key, resource: resourceFor({ ...item, resource }), poolKey: poolKeyOf(item), settings: item.connection?.settings ?? this.o.connection,
      deadline: this.clock.now() + (opts.timeoutMs ?? this.o.removalTimeoutMs ?? 300_000), done: opts.done, state: 'pending', message: 'waiting to prune',
    });
    if (this.synced) this.queue.add(key);
  }

  private finishRemoval(key: string, done: RemoveOptions['done'], r: RemovalStep & { result: 'deleted' | 'orphaned' | 'failed' }, announce = true): void {
    this.removals.delete(key);
    this.lastEvent.delete(key);
    if (announce) this.emit(key, r.result === 'deleted' ? 'Normal' : 'Warning', r.result === 'deleted' ? 'Deleted' : 'Orphaned', r.message);
    this.o.log?.info({ resource: key, removal: r.result }, `${key}: ${r.result}: ${r.message}`);
    done?.(r);
  }

  private onSynced(): void {
    if (this.synced || this.stopped) return;
    this.synced = true;
    void this.resync().then(() => {
      this.settled = true;
      this.scheduleResync();
    });
  }

  private scheduleResync(): void {
    if (this.stopped) return;
    const base = this.o.syncIntervalMs ?? 60_000;
    const r = this.o.random ?? Math.random;
    this.resyncTimer = this.clock.setTimeout(() => {
      void this.resync().then(() => this.scheduleResync());
    }, base * (0.9 + 0.2 * r()));
  }

  private accountsIn(poolKey: string): Resource[] {
    return [...this.items.values()].filter((i) => poolKeyOf(i) === poolKey && i.resource?.kind === 'Account' && !i.errors?.length).map((i) => i.resource!);
  }

  /** One list of everything per connection; what is in sync is reported at once, the rest queued. */
  private async runResync(): Promise<void> {
    const busy = (k: string) => this.queue.failuresOf(k) > 0;
    const items = [...this.items.values()];
    const started = process.hrtime.bigint();
    const decisions = await planAll(this.env, items);
    this.metrics.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    for (const item of items) {
      // an item changed meanwhile, or a pass has it: that pass reports it
      if (this.items.get(item.key) !== item || this.queue.busy(item.key)) continue;
      const d = decisions.get(item.key)!;
      if (d.write === 'apply') {
        this.hinted.add(item.key);
        this.queue.add(item.key);
      } else if (d.write || d.waitOn || d.retry || busy(item.key)) this.queue.add(item.key);
      else this.record(item, d);
    }
    for (const key of this.removals.keys()) this.queue.add(key);
  }

  /** The queue's handler: removals and items of one batch. */
  private async work(keys: string[]): Promise<Map<string, WorkResult>> {
    const results = new Map<string, WorkResult>();
    const removals = keys.filter((k) => this.removals.has(k)).map((k) => this.removals.get(k)!);
    const items = keys.map((k) => this.items.get(k)).filter((i): i is SourceItem => !!i);
    const hinted = new Set(items.filter((i) => this.hinted.delete(i.key)).map((i) => i.key));
    const started = process.hrtime.bigint();
    const [decisions] = await Promise.all([
      items.length ? runPass(this.env, items, { hinted, read: 'auto' }) : Promise.resolve(new Map<string, Decision>()),
      this.workRemovals(removals, results),
    ]);
    this.metrics.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    for (const item of items) {
      if (this.items.get(item.key) !== item) {
        results.set(item.key, { type: 'done' });
        continue;
      }
      results.set(item.key, this.record(item, decisions.get(item.key)));
    }
    return results;
  }

  /** Applies one decision: status, event, metrics, log; says what the queue does next. */
  private record(item: SourceItem, d: Decision | undefined): WorkResult {
    if (!d || (d.write && !d.event)) return { type: 'retry' };
    this.metrics.reconciles.inc({ result: d.reason });
    if (!d.ready && ERRORS.has(d.reason)) this.metrics.errors.inc({ kind: item.resource?.kind ?? 'unknown', reason: d.reason });
    if (d.drift && d.reason === 'DriftDetected') this.metrics.driftDetected.inc();
    if (d.reason === 'DriftRepaired') {
      this.metrics.driftDetected.inc();
      this.metrics.driftRepaired.inc();
    }
    if (SUCCESS.has(d.reason) || d.reason === 'DriftDetected') this.reconciled.set(item.key, item.generation);
    this.setStatus(item, d);
    if (d.event) this.emit(item.key, d.event.type, d.event.reason, d.event.message);
    if (d.ready && item.resource) this.queue.wake(item.resource.key);
    if (d.waitOn) return { type: 'wait', on: d.waitOn };
    return d.retry ? { type: 'retry' } : { type: 'done' };
  }

  private setStatus(item: SourceItem, d: Decision): void {
    const prev = this.statuses.get(item.key);
    const next: ItemStatus = {
      // messages may quote server URLs: their user info never reaches a status
      ready: d.ready, reason: d.reason, message: redactUrls(d.message), observedGeneration: item.generation,
      lastTransitionTime: prev && prev.ready === d.ready ? prev.lastTransitionTime : new Date(this.clock.now()).toISOString(),
      ...(d.live ? { live: d.live } : {}),
    };
    if (prev && JSON.stringify({ ...prev, lastTransitionTime: '' }) === JSON.stringify({ ...next, lastTransitionTime: '' })) return;
    this.statuses.set(item.key, next);
    const fields = { resource: item.key, ready: d.ready, reason: d.reason, generation: item.generation };
    if (d.ready) this.o.log?.info(fields, `${item.key}: ${d.reason}: ${next.message}`);
    else this.o.log?.warn(fields, `${item.key}: ${d.reason}: ${next.message}`);
    void Promise.resolve().then(() => this.o.source.report(item.key, next)).catch((e: unknown) => this.o.log?.warn({ resource: item.key }, `status report failed: ${String(e)}`));
  }

  /** Calls the source's event once per distinct (type, reason, message) in a row for a key. */
  private emit(key: string, type: EventType, reason: EventReason, text: string): void {
    const message = redactUrls(text);
    const sig = `${type}\u0000${reason}\u0000${message}`;
    if (this.lastEvent.get(key) === sig) return;
    this.lastEvent.set(key, sig);
    void Promise.resolve().then(() => this.o.source.event(key, type, reason, message)).catch((e: unknown) => this.o.log?.warn({ resource: key }, `event failed: ${String(e)}`));
  }

  private declaredIn(poolKey: string): Resource[] {
    return [...this.items.entries()].filter(([, i]) => poolKeyOf(i) === poolKey).flatMap(([k, i]) => {
      const r = this.lastGood.get(k);
      return r ? [resourceFor({ ...i, resource: r })] : [];
    });
  }

  private async workRemovals(removals: readonly Removal[], results: Map<string, WorkResult>): Promise<void> {
    const byPool = new Map<string, Removal[]>();
    for (const r of removals) byPool.set(r.poolKey, [...(byPool.get(r.poolKey) ?? []), r]);
    await Promise.all([...byPool].map(async ([poolKey, list]) => {
      const steps = await removeAssets(this.env, list, this.declaredIn(poolKey));
      for (const r of list) results.set(r.key, this.settleRemoval(r, steps.get(r.key)!));
    }));
  }

  private settleRemoval(r: Removal, step: RemovalStep): WorkResult {
    if (this.removals.get(r.key) !== r) return { type: 'done' };
    if (step.result === 'deleted' || step.result === 'orphaned') {
      this.finishRemoval(r.key, r.done, step);
      return { type: 'done' };
    }
    if (this.clock.now() >= r.deadline) {
      this.finishRemoval(r.key, r.done, { result: 'orphaned', message: `orphaned after the removal timeout: ${step.message}` });
      return { type: 'done' };
    }
    r.state = step.result === 'refused' ? 'refused' : 'pending';
    r.message = step.message;
    this.emit(r.key, 'Warning', 'RemovalRefused', step.message);
    return { type: 'retry' };
  }
}
