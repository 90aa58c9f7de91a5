/**
 * Leader election through a coordination.k8s.io/v1 Lease, so that of several controller replicas
 * exactly one writes. The leader renews the Lease every `retryMs`; the others watch it and take
 * over once it has not changed for `leaseMs` (measured on their own clock from when they saw it
 * change, so clock skew between nodes does not matter). Every write carries the resourceVersion
 * it was computed from: of two candidates only one can win. A leader that cannot renew within
 * `renewDeadlineMs` stops leading (and must stop writing) before anyone else may take over,
 * because renewDeadlineMs < leaseMs. Releasing on shutdown empties the holder so a standby takes
 * over at its next retry.
 */
import { JkError } from '../errors.js';
import { httpStatus, type KubeClient, type Lease as V1Lease } from '../kube/client.js';

export interface LeaderOptions {
  client: KubeClient;
  namespace: string;
  /** Lease name (default `jetkeeper-controller`) */
  name?: string;
  /** this replica's identity (pod name + random suffix) */
  identity: string;
  leaseMs?: number;
  renewDeadlineMs?: number;
  retryMs?: number;
  onStartedLeading?(): void;
  /** leadership lost (renewal failed or another holder): the caller stops writing at once */
  onStoppedLeading(): void;
  log?: (level: 'info' | 'warn', msg: string) => void;
}

/** A Lease's times are MicroTime: the API server wants six fractional digits, Date gives three. */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/Z$/, '000Z');
  }
}
/**
 * A Lease time as read back: the client types it as a Date but leaves MicroTime fields as the API
 * server's strings, so both are accepted (an unparsable value is dropped rather than thrown on).
 */
export const micro = (d: Date | string | undefined): Date | undefined => {
  if (d === undefined || d === null || d === '') return undefined;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isNaN(ms) ? undefined : new MicroTime(ms);
};

const DEFAULTS = { leaseMs: 15_000, renewDeadlineMs: 10_000, retryMs: 2_000 };

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private observed?: { version: string; at: number; holder: string };
  private lastRenew = 0;
  private wake?: () => void;
  private readonly o: LeaderOptions & typeof DEFAULTS & { name: string };

  constructor(opts: LeaderOptions) {
    this.o = { ...DEFAULTS, name: 'jetkeeper-controller', ...opts };
    if (this.o.renewDeadlineMs >= this.o.leaseMs || this.o.retryMs >= this.o.renewDeadlineMs) {
      throw new JkError('JK5055', { message: 'leader election needs retry < renew deadline < lease duration', option: 'leaseMs', fix: 'use e.g. 2 s, 10 s and 15 s' });
    }
  }

  isLeader(): boolean {
    return this.leading && !this.stopped;
  }

  /** Starts campaigning; resolves at once (the callbacks say when leadership starts and ends). */
  start(): void {
    void this.tick();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.o.retryMs);
  }

  private async tick(): Promise<void> {
    try {
      const won = await this.tryAcquireOrRenew();
      if (won) this.lastRenew = Date.now();
      if (won && !this.leading) { this.leading = true; this.o.log?.('info', `${this.o.identity} is the leader (Lease ${this.o.namespace}/${this.o.name})`); this.o.onStartedLeading?.(); this.wake?.(); }
      if (!won && this.leading) this.lose('another replica holds the Lease');
    } catch (e) {
      this.o.log?.('warn', `Lease ${this.o.namespace}/${this.o.name}: ${(e as Error).message}`);
      if (this.leading && Date.now() - this.lastRenew > this.o.renewDeadlineMs) this.lose('the Lease could not be renewed in time');
    }
    this.schedule();
  }

  private lose(why: string): void {
    this.leading = false;
    this.o.log?.('warn', `${this.o.identity} stopped leading: ${why}`);
    this.o.onStoppedLeading();
  }

  private record(now: Date, acquire?: Date): V1Lease['spec'] {
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.o.leaseMs / 1000)),
      renewTime: now,
      ...(acquire ? { acquireTime: acquire } : {}),
    };
  }

  /** One round: create the Lease, renew ours, or take over an expired one. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.o;
    const now = new MicroTime();
    const lease = await client.getLease(namespace, name);
    if (!lease) {
      return this.write(() => client.createLease(namespace, { metadata: { name, namespace }, spec: { ...this.record(now, now), leaseTransitions: 0 } }));
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const version = lease.metadata?.resourceVersion ?? '';
    if (!this.observed || this.observed.version !== version) this.observed = { version, at: Date.now(), holder };
    const mine = holder === identity;
    const expired = !holder || Date.now() - this.observed.at > (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    if (!mine && !expired) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const spec = { ...this.record(now, mine ? undefined : now), acquireTime: mine ? micro(lease.spec?.acquireTime) : now, leaseTransitions: transitions };
    return this.write(() => client.replaceLease(namespace, { ...lease, spec }));
  }

  /** A write that loses the race (409 conflict, 422 already exists) means someone else won this round. */
  private async write(fn: () => Promise<V1Lease>): Promise<boolean> {
    try {
      const l = await fn();
      this.observed = { version: l.metadata?.resourceVersion ?? '', at: Date.now(), holder: this.o.identity };
      return true;
    } catch (e) {
      if ([409, 422].includes(httpStatus(e))) return false;
      throw e;
    }
  }

  /** Campaigns until this replica leads (true), or until `signal` aborts (false; campaigning stops). */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    const won = new Promise<boolean>((resolve) => {
      this.wake = () => resolve(true);
      signal?.addEventListener('abort', () => { void this.stop().then(() => resolve(false)); }, { once: true });
    });
    this.start();
    return won;
  }

  /** Stops campaigning; a leader gives the Lease up so a standby takes over at its next retry. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    const { client, namespace, name } = this.o;
    const lease = await client.getLease(namespace, name).catch(() => undefined);
    if (lease?.spec?.holderIdentity !== this.o.identity) return;
    await client.replaceLease(namespace, { ...lease, spec: { ...lease.spec, renewTime: micro(lease.spec.renewTime), acquireTime: micro(lease.spec.acquireTime), holderIdentity: '', leaseDurationSeconds: 1 } }).catch(() => undefined);
  }
}
