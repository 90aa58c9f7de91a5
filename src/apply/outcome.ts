/**
 * What happened to each change of a plan, from a closed set, and which changes may not run at
 * all (refused, skipped, waiting). Pure.
 */
import { JkError, type ErrorCode } from '../errors.js';
import { pruneRefusal, type Action, type Change, type Plan, type PruneGuard } from '../plan/plan.js';

/** Why a change was not sent. */
export type RefusalReason =
  | 'replace-not-allowed' // an immutable field changed and the run did not allow replace
  | 'unsupported' // the connected server does not know a field
  | 'prune-nothing-declared' // prune with nothing declared for the connection
  | 'prune-over-limit' // prune would delete more than the run allows
  | 'preflight' // another change was refused and the run is all-or-nothing
  | 'aborted'; // the run was stopped before the change started

interface OutcomeBase {
  key: string;
  action: Action;
}

export type Outcome = OutcomeBase & (
  | { result: 'applied' }
  | { result: 'refused'; reason: RefusalReason; message: string }
  | { result: 'failed'; code: ErrorCode; transient: boolean; message: string; error: JkError }
  | { result: 'skipped'; message: string }
  | { result: 'waiting'; on: string; message: string }
  // only in plans: apply would send this change
  | { result: 'planned' }
);

/** An outcome that leaves the resource as declared (or deliberately alone). */
export function outcomeOk(o: Outcome): boolean {
  return o.result === 'applied' || o.result === 'skipped';
}

/** Outcomes known before any write: changes that are refused, skipped or wait for their stream. */
export function preflight(p: Plan, opts: { allowReplace: boolean }): { change: Change; outcome: Outcome }[] {
  const out: { change: Change; outcome: Outcome }[] = [];
  for (const c of p.changes) {
    const outcome = decide(c, p.prune, opts);
    if (outcome) out.push({ change: c, outcome });
  }
  return out;
}

function decide(c: Change, guard: PruneGuard | undefined, opts: { allowReplace: boolean }): Outcome | undefined {
  const base = { key: c.key, action: c.action };
  if (c.action === 'noop') return { ...base, result: 'skipped', message: 'matches the manifest' };
  if (c.action === 'skip') return { ...base, result: 'skipped', message: c.reason ?? 'skipped' };
  if (c.action === 'unsupported') return { ...base, result: 'refused', reason: 'unsupported', message: c.reason ?? 'unsupported fields' };
  if (c.action === 'replace' && !opts.allowReplace) {
    return { ...base, result: 'refused', reason: 'replace-not-allowed', message: `${c.reason}: needs delete and create, which loses data; replace was not allowed` };
  }
  if (c.action === 'delete' && guard?.refused) {
    return { ...base, result: 'refused', reason: guard.refused === 'nothing-declared' ? 'prune-nothing-declared' : 'prune-over-limit', message: pruneRefusal(guard) };
  }
  if (c.waitsFor) return { ...base, result: 'waiting', on: c.waitsFor, message: `${c.waitsFor} does not exist and is not declared` };
  return undefined;
}

/** The errors that refuse a plan as a whole (all-or-nothing runs raise the first before any write). */
export function refusalErrors(p: Plan, opts: { allowReplace: boolean }): JkError[] {
  const errors: JkError[] = [];
  const unsupported = p.changes.filter((c) => c.action === 'unsupported');
  if (unsupported.length) {
    errors.push(new JkError('JK3002', {
      message: `${unsupported.map((c) => `${c.key}: ${c.reason}`).join('; ')}. Nothing was applied`,
      resource: unsupported[0].key,
      fix: 'remove those fields from the manifests or upgrade nats-server',
    }));
  }
  const replaces = p.changes.filter((c) => c.action === 'replace');
  if (replaces.length && !opts.allowReplace) {
    errors.push(new JkError('JK3001', {
      message: `${replaces.map((c) => `${c.key} (${c.reason})`).join('; ')} can only change by delete and create, which loses data. Nothing was applied`,
      resource: replaces[0].key,
      option: 'allowReplace',
      fix: 'revert the field, or run apply with `allowReplace` to delete and recreate (the plan shows what is lost)',
    }));
  }
  if (p.prune?.refused) errors.push(pruneError(p.prune));
  return errors;
}

function pruneError(g: PruneGuard): JkError {
  if (g.refused === 'nothing-declared') {
    return new JkError('JK3007', {
      message: `${pruneRefusal(g)}. Nothing was applied`,
      fix: 'check the input: an empty directory, a wrong path or a failed checkout looks like this. To remove everything on purpose, delete the resources by name',
    });
  }
  return new JkError('JK3008', {
    message: `${pruneRefusal(g)}. Nothing was applied`,
    option: 'pruneMax',
    fix: `check that the input is complete; to delete that many on purpose, raise the limit for this run: \`pruneMax\` ${g.deletes}`,
  });
}
