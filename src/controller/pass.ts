/**
 * One reconcile pass over a batch of items: invalid items are reported and never touched; the
 * rest are planned through the reconcile core (read only their targets, or everything on a
 * resync), decided one by one (reasons.ts), and those that may be written are applied in one
 * more core run per connection. Each item gets its own decision: one failing resource never
 * stops another.
 */
import type { Outcome } from '../apply/outcome.js';
import { JkError } from '../errors.js';
import type { Resource } from '../manifests/validate.js';
import type { ConnectionSettings } from '../nats/settings.js';
import type { Change } from '../plan/plan.js';
import type { ResourceStatus } from '../plan/status.js';
import { reconcile, type ReconcileResult } from '../reconcile/reconcile.js';
import type { ConnectionPool } from './pool.js';
import { afterApply, decide, errorDecision, type Decision, type DriftMode } from './reasons.js';
import type { SourceItem } from './source.js';

export interface PassEnv {
  owner: string;
  drift: DriftMode;
  readOnly: boolean;
  /** the default connection (items without their own) */
  connection: ConnectionSettings;
  pool: ConnectionPool;
  concurrency?: number;
  /** the most deletes one prune of removed items may make (default: the guard's) */
  pruneMax?: number;
  /** the Accounts declared for a pool: context for the resources that name them */
  accounts(poolKey: string): readonly Resource[];
  /** the item's generation was not reconciled yet */
  manifestChanged(item: SourceItem): boolean;
  /** an event that must come before the write (a replace's data loss) */
  announce(item: SourceItem, d: Decision): void;
  /** stop before starting writes (graceful shutdown) */
  stopping(): boolean;
}

export interface PassOptions {
  /** items a resync just planned as needing a write: applied without planning again */
  hinted?: ReadonlySet<string>;
  read: 'all' | 'targets' | 'auto';
}

const CONNECTION_FIELDS = ['account', 'servers', 'creds', 'nkey', 'tls', 'tlsFirst', 'jsDomain'];

export function poolKeyOf(item: SourceItem): string {
  return item.connection?.poolKey ?? '';
}

/** The resource as the core sees it: with the source's connection, its own connection fields are not used again. */
export function resourceFor(item: SourceItem): Resource {
  const r = item.resource!;
  if (!item.connection) return r;
  const spec = Object.fromEntries(Object.entries(r.spec as Record<string, unknown>).filter(([k]) => !CONNECTION_FIELDS.includes(k)));
  return { ...r, spec };
}

export function invalidDecision(item: SourceItem): Decision {
  const errors = item.errors ?? [];
  const message = errors.length ? errors.map((e) => e.format()).join('\n') : 'the manifest did not validate';
  return { ready: false, reason: 'InvalidManifest', message, event: { type: 'Warning', reason: 'InvalidManifest', message } };
}

interface CoreView {
  change(item: SourceItem): Change | undefined;
  status(item: SourceItem): ResourceStatus | undefined;
  outcome(item: SourceItem): Outcome | undefined;
  error(item: SourceItem): JkError | undefined;
  serverVersion(item: SourceItem): string;
}

function viewOf(r: ReconcileResult | JkError): CoreView {
  if (r instanceof JkError) {
    return { change: () => undefined, status: () => undefined, outcome: () => undefined, error: () => r, serverVersion: () => '0.0.0' };
  }
  const changes = new Map<string, { c: Change; version: string }>();
  for (const g of r.groups) for (const c of g.plan?.changes ?? []) if (c.resource) changes.set(c.key, { c, version: g.plan!.serverVersion });
  const statuses = new Map(r.groups.flatMap((g) => g.statuses.map((s) => [s.key, s] as const)));
  const outcomes = new Map(r.groups.flatMap((g) => g.outcomes.map((o) => [o.key, o] as const)));
  const failed = r.groups.find((g) => g.error)?.error;
  const key = (i: SourceItem) => i.resource!.key;
  return {
    change: (i) => changes.get(key(i))?.c,
    status: (i) => statuses.get(key(i)),
    outcome: (i) => outcomes.get(key(i)),
    error: (i) => (i.resource!.target && !changes.has(key(i)) ? failed : undefined),
    serverVersion: (i) => changes.get(key(i))?.version ?? '0.0.0',
  };
}

interface PoolBatch { poolKey: string; settings: ConnectionSettings; items: SourceItem[] }

async function runCore(env: PassEnv, b: PoolBatch, items: readonly SourceItem[], run: { mode: 'plan' | 'apply'; read: PassOptions['read']; allowReplace?: boolean }): Promise<CoreView> {
  const own = items.map(resourceFor);
  const keys = new Set(own.map((r) => r.key));
  const context = env.accounts(b.poolKey).filter((a) => !keys.has(a.key));
  try {
    const r = await reconcile({
      resources: [...own, ...context], connection: b.settings, owner: env.owner, mode: run.mode, only: [...keys], read: run.read,
      connect: env.pool.connect, preflight: 'per-change', allowReplace: run.allowReplace, concurrency: env.concurrency,
    });
    for (const g of r.groups) if (g.error && errorDecision(g.error).reason === 'ConnectionFailed') await env.pool.drop(g.settings);
    return viewOf(r);
  } catch (e) {
    return viewOf(e instanceof JkError ? e : new JkError('JK9001', { message: String((e as Error)?.message ?? e), cause: e }));
  }
}

function decideIn(env: PassEnv, view: CoreView, item: SourceItem): Decision {
  const err = view.error(item);
  if (err) return errorDecision(err);
  return decide(view.change(item), view.status(item), {
    owner: env.owner, drift: env.drift, readOnly: env.readOnly, serverVersion: view.serverVersion(item), manifestChanged: env.manifestChanged(item), policy: item.policy,
  });
}

async function applyItems(env: PassEnv, b: PoolBatch, items: SourceItem[], allowReplace: boolean, out: Map<string, Decision>): Promise<void> {
  if (!items.length) return;
  if (env.stopping()) return;
  const view = await runCore(env, b, items, { mode: 'apply', read: 'auto', allowReplace });
  for (const item of items) {
    const before = decideIn(env, view, item);
    out.set(item.key, before.write ? afterApply(before, view.outcome(item), view.change(item)) : before);
  }
}

async function poolPass(env: PassEnv, b: PoolBatch, opts: PassOptions, out: Map<string, Decision>): Promise<void> {
  const hinted = opts.hinted ?? new Set<string>();
  const toPlan = b.items.filter((i) => !hinted.has(i.key));
  const writes = b.items.filter((i) => hinted.has(i.key));
  const replaces: SourceItem[] = [];
  if (toPlan.length) {
    const view = await runCore(env, b, toPlan, { mode: 'plan', read: opts.read });
    for (const item of toPlan) {
      const d = decideIn(env, view, item);
      if (d.write === 'apply') writes.push(item);
      else if (d.write === 'replace') {
        env.announce(item, d);
        replaces.push(item);
      }
      out.set(item.key, d);
    }
  }
  await applyItems(env, b, writes, false, out);
  await applyItems(env, b, replaces, true, out);
}

/** Items grouped by the connection pool they use. */
function byPool(env: PassEnv, items: readonly SourceItem[]): PoolBatch[] {
  const batches = new Map<string, PoolBatch>();
  for (const item of items) {
    const key = poolKeyOf(item);
    const b = batches.get(key) ?? { poolKey: key, settings: item.connection?.settings ?? env.connection, items: [] };
    b.items.push(item);
    batches.set(key, b);
  }
  return [...batches.values()];
}

/**
 * Plans (and, where allowed, applies) the items; one decision per item key. Decisions of items
 * planned for a write but not applied (the pass stopped) keep `write` set.
 */
export async function runPass(env: PassEnv, items: readonly SourceItem[], opts: PassOptions): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>();
  const valid: SourceItem[] = [];
  for (const item of items) {
    if (item.errors?.length || !item.resource) out.set(item.key, invalidDecision(item));
    else valid.push(item);
  }
  await Promise.all(byPool(env, valid).map((b) => poolPass(env, b, opts, out)));
  return out;
}

/** Plans every valid item (one list of everything per connection), applying nothing: a resync's view. */
export async function planAll(env: PassEnv, items: readonly SourceItem[]): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>();
  const valid = items.filter((i) => !i.errors?.length && i.resource);
  await Promise.all(byPool(env, valid).map(async (b) => {
    const view = await runCore(env, b, b.items, { mode: 'plan', read: 'all' });
    for (const item of b.items) out.set(item.key, decideIn(env, view, item));
  }));
  for (const item of items) if (!out.has(item.key)) out.set(item.key, invalidDecision(item));
  return out;
}
