/**
 * Apply a chosen part of a plan the core made: the controller deletes the assets of removed
 * items one by one from the same pruning plan (with its mass-delete guard already checked),
 * leaving every other change of that plan alone.
 */
import { applyPlan, type Outcome } from '../apply/apply.js';
import type { JetStreamAdmin } from '../nats/admin.js';
import type { Change, Plan } from '../plan/plan.js';

export type { Outcome } from '../apply/apply.js';

export interface SelectedApplyOptions {
  concurrency?: number;
}

/** Sends only `changes` (taken from `from`), each refused or applied on its own; returns one outcome per change. */
export async function applySelected(from: Plan, changes: readonly Change[], admin: JetStreamAdmin, opts: SelectedApplyOptions = {}): Promise<Outcome[]> {
  const part: Plan = { ...from, changes: [...changes] };
  const r = await applyPlan(part, admin, { allowReplace: false, preflight: 'per-change', concurrency: opts.concurrency });
  return r.outcomes;
}
