/**
 * Items that went away: their assets are deleted with the safety of `apply --prune` (a pruning
 * plan of everything still declared for the connection, with its mass-delete guard; only what
 * carries this owner's tag; preventDelete kept), and of that plan only the deletes of the
 * removed items' assets are applied. Everything else in the plan is left alone.
 */
import { applyPlan } from '../apply/apply.js';
import { JkError } from '../errors.js';
import type { Resource } from '../manifests/validate.js';
import { pruneRefusal, type Change, type Plan } from '../plan/plan.js';
import { reconcile, type GroupResult } from '../reconcile/reconcile.js';
import type { Target } from '../resources/kind.js';
import type { PassEnv } from './pass.js';
import type { RemovalResult } from './source.js';

export interface PendingRemoval {
  key: string;
  /** the last valid resource of the item (what is on the server) */
  resource?: Resource;
  poolKey: string;
  settings: PassEnv['connection'];
}

export type RemovalStep = RemovalResult | { result: 'refused'; message: string };

function targetKey(t: Target): string {
  return t.type === 'stream' ? `stream:${t.stream}` : `consumer:${t.stream}/${t.consumer}`;
}

function findChange(groups: readonly GroupResult[], t: Target): { group: GroupResult; change: Change } | undefined {
  const want = targetKey(t);
  for (const group of groups) {
    const change = group.plan?.changes.find((c) => !c.resource && targetKey(c.target) === want);
    if (change) return { group, change };
  }
  return undefined;
}

async function deleteOne(env: PassEnv, group: GroupResult, change: Change): Promise<RemovalStep> {
  const plan: Plan = { ...group.plan!, changes: [change] };
  const admin = await env.pool.connect(group.settings);
  const r = await applyPlan(plan, admin, { allowReplace: false, preflight: 'per-change', concurrency: env.concurrency });
  const o = r.outcomes[0];
  if (o?.result === 'applied') return { result: 'deleted', message: `deleted ${change.key}: ${change.dataLoss ?? 'no longer declared'}` };
  return { result: 'failed', message: o && 'message' in o ? o.message : 'the delete was not sent' };
}

/**
 * One attempt at the removals of one pool. `declared` is every resource still declared for it
 * (and the Accounts). Returns a step per removal key.
 */
export async function removeAssets(env: PassEnv, removals: readonly PendingRemoval[], declared: readonly Resource[]): Promise<Map<string, RemovalStep>> {
  const out = new Map<string, RemovalStep>();
  const withTarget = removals.filter((r) => r.resource?.target);
  for (const r of removals) if (!r.resource?.target) out.set(r.key, { result: 'deleted', message: 'nothing on the server belonged to it' });
  if (!withTarget.length) return out;
  let groups: GroupResult[];
  try {
    groups = (await reconcile({
      resources: declared, connection: withTarget[0].settings, owner: env.owner, mode: 'plan', prune: true, pruneMax: env.pruneMax, read: 'all', connect: env.pool.connect,
    })).groups;
  } catch (e) {
    const message = e instanceof JkError ? e.format() : String(e);
    for (const r of withTarget) out.set(r.key, { result: 'failed', message });
    return out;
  }
  for (const r of withTarget) out.set(r.key, await removeOne(env, r, groups));
  return out;
}

async function removeOne(env: PassEnv, r: PendingRemoval, groups: readonly GroupResult[]): Promise<RemovalStep> {
  const failed = groups.find((g) => g.error)?.error;
  const found = findChange(groups, r.resource!.target!);
  if (!found) {
    if (failed) return { result: 'failed', message: `${failed.code} ${failed.message}` };
    return { result: 'orphaned', message: `${r.resource!.key} was not deleted: it is gone, still declared, or was not created by this jetkeeper owner` };
  }
  const { group, change } = found;
  if (change.action === 'skip') return { result: 'orphaned', message: `${change.key} kept: ${change.reason ?? 'preventDelete'}` };
  if (group.plan?.prune?.refused) return { result: 'refused', message: pruneRefusal(group.plan.prune) };
  if (env.stopping()) return { result: 'failed', message: 'the controller is stopping' };
  return deleteOne(env, group, change);
}
