/**
 * Executes a plan: decides per change whether it may run (refused, skipped, waiting), then
 * deletes, creates and updates in dependency order (streams before their consumers) with
 * bounded concurrency, retrying transient errors with jittered backoff. One failing change
 * never stops the others; only the consumers of a stream that failed wait.
 */
import { JkError } from '../errors.js';
import { mapLimit, type JetStreamAdmin } from '../nats/admin.js';
import { retrying } from '../nats/retry.js';
import { diffConfigs, type Change, type FieldChange, type Plan } from '../plan/plan.js';
import { formatValue } from '../plan/render.js';
import { compact } from '../resources/common.js';
import { kindByName } from '../resources/index.js';
import { outcomeOk, preflight, refusalErrors, type Outcome } from './outcome.js';

export { preflight, refusalErrors, outcomeOk, type Outcome, type RefusalReason } from './outcome.js';

export interface ApplyOptions {
  allowReplace: boolean;
  /** requests in flight at once (R3 creates take ~0.5 s each, so this matters) */
  concurrency: number;
  /** attempts for a transient error (leader election, timeout) */
  attempts: number;
  onProgress?: (e: ApplyEvent) => void;
  /** stops starting new changes; those not started are refused with reason `aborted` */
  signal?: AbortSignal;
}

export interface ApplyEvent {
  key: string;
  action: Change['action'];
  status: 'start' | 'done' | 'failed' | 'retry';
  message?: string;
}

export interface ApplyResultItem {
  key: string;
  action: Change['action'];
  ok: boolean;
  error?: JkError;
}

export interface ApplyResult {
  /** the changes that were attempted, as before: ok or failed */
  items: ApplyResultItem[];
  /** one outcome per change of the plan */
  outcomes: Outcome[];
  /** write requests sent to the server */
  writes: number;
  ok: boolean;
}

export const DEFAULT_APPLY: ApplyOptions = { allowReplace: false, concurrency: 16, attempts: 5 };

/** Throws (before any write) when the plan holds changes that were not allowed. */
export function checkAllowed(p: Plan, opts: Pick<ApplyOptions, 'allowReplace'>): void {
  const errors = refusalErrors(p, opts);
  if (errors.length) throw errors[0];
}

/** Applies a plan against the server behind `admin`; refused changes are never sent. */
export async function applyPlan(p: Plan, admin: JetStreamAdmin, options: Partial<ApplyOptions> & { preflight?: 'all-or-nothing' | 'per-change' } = {}): Promise<ApplyResult> {
  const opts: ApplyOptions = { ...DEFAULT_APPLY, ...compact(options) };
  if ((options.preflight ?? 'all-or-nothing') === 'all-or-nothing') checkAllowed(p, opts);
  const startWrites = admin.writes;
  const outcomes = new Map<Change, Outcome>(preflight(p, opts).map((o) => [o.change, o.outcome]));
  const runnable = p.changes.filter((c) => !outcomes.has(c));
  const failedStreams = new Set<string>();
  for (const phase of phases(runnable)) {
    const ready = phase.changes.filter((c) => !outcomes.has(c) && !waitOn(c, failedStreams, outcomes));
    await mapLimit(ready, opts.concurrency, async (c) => {
      const outcome = await runChange(c, () => phase.run(admin, c), opts);
      if (outcome.result !== 'applied' || phase.final) outcomes.set(c, outcome);
      if (outcome.result !== 'applied' && c.target.type === 'stream') failedStreams.add(c.target.stream);
    });
  }
  const ordered = p.changes.map((c) => outcomes.get(c) ?? { key: c.key, action: c.action, result: 'applied' as const });
  const items = ordered.filter((o) => o.result === 'applied' || o.result === 'failed').map((o): ApplyResultItem => ({
    key: o.key, action: o.action, ok: o.result === 'applied', ...(o.result === 'failed' ? { error: o.error } : {}),
  }));
  return { items, outcomes: ordered, writes: admin.writes - startWrites, ok: ordered.every(outcomeOk) };
}

/** Marks a consumer whose stream change did not succeed as waiting; true when it must not run. */
function waitOn(c: Change, failedStreams: ReadonlySet<string>, outcomes: Map<Change, Outcome>): boolean {
  if (c.target.type !== 'consumer' || !failedStreams.has(c.target.stream)) return false;
  const on = `Stream/${c.target.stream}`;
  outcomes.set(c, { key: c.key, action: c.action, result: 'waiting', on, message: `waits for ${on}, whose change did not succeed` });
  return true;
}

interface Phase {
  changes: Change[];
  run: (admin: JetStreamAdmin, c: Change) => Promise<void>;
  /** the last step of its changes: success is recorded here */
  final?: boolean;
}

function phases(changes: readonly Change[]): Phase[] {
  const isStream = (c: Change) => c.target.type === 'stream';
  const of = (stream: boolean, pred: (c: Change) => boolean) => changes.filter((c) => isStream(c) === stream && pred(c));
  const is = (a: Change['action']) => (c: Change) => c.action === a;
  return [
    // 1. consumers that go away (prune) or are recreated
    { changes: of(false, is('delete')), run: deleteTarget, final: true },
    { changes: of(false, is('replace')), run: deleteTarget },
    // 2. streams that are recreated
    { changes: of(true, is('replace')), run: deleteTarget },
    // 3. streams
    { changes: of(true, isWrite), run: writeTarget, final: true },
    // 4. consumers (their streams exist now)
    { changes: of(false, isWrite), run: writeTarget, final: true },
    // 5. streams that go away (prune), last
    { changes: of(true, is('delete')), run: deleteTarget, final: true },
  ];
}

/** Runs one step of a change with retries; the outcome says applied or failed (or aborted). */
async function runChange(c: Change, step: () => Promise<void>, opts: ApplyOptions): Promise<Outcome> {
  const base = { key: c.key, action: c.action };
  if (opts.signal?.aborted) return { ...base, result: 'refused', reason: 'aborted', message: 'the run was stopped before this change started' };
  opts.onProgress?.({ key: c.key, action: c.action, status: 'start' });
  try {
    const onRetry = (e: unknown, n: number) => opts.onProgress?.({ key: c.key, action: c.action, status: 'retry', message: `attempt ${n}: ${(e as Error).message}` });
    await retrying(step, { attempts: opts.attempts, signal: opts.signal, onRetry });
    opts.onProgress?.({ key: c.key, action: c.action, status: 'done' });
    return { ...base, result: 'applied' };
  } catch (e) {
    const error = locate(e instanceof JkError ? e : new JkError('JK3005', { message: String((e as Error).message), resource: c.key }), c);
    opts.onProgress?.({ key: c.key, action: c.action, status: 'failed', message: error.message });
    return { ...base, result: 'failed', code: error.code, transient: error.transient, message: error.message, error };
  }
}

/** Points a server error at the manifest that declared the resource. */
function locate(e: JkError, c: Change): JkError {
  const doc = c.resource?.doc;
  if (e.at || !doc) return e;
  return new JkError(e.code, { message: e.message, fix: e.fix, resource: `${c.kind}/${c.name ?? c.key}`, at: doc.positionOf(['spec']), apiCode: e.apiCode, transient: e.transient, cause: e });
}

function isWrite(c: Change): boolean {
  return c.action === 'create' || c.action === 'update' || c.action === 'replace';
}

async function deleteTarget(admin: JetStreamAdmin, c: Change): Promise<void> {
  if (c.target.type === 'stream') await admin.deleteStream(c.target.stream);
  else await admin.deleteConsumer(c.target.stream, c.target.consumer);
}

async function writeTarget(admin: JetStreamAdmin, c: Change): Promise<void> {
  const desired = c.desired!;
  const update = c.action === 'update';
  const returned = c.target.type === 'stream'
    ? update ? await admin.updateStream(c.target.stream, desired) : await admin.createStream(desired)
    : await admin.createConsumer(c.target.stream, desired, update);
  // Old servers silently drop fields they do not know, and servers rewrite some values: check what was kept.
  const kind = kindByName(c.kind)!;
  const mismatch = diffConfigs(kind, compact(desired), returned);
  if (mismatch.length) throw storedOtherwise(c, mismatch, admin.serverVersion);
}

/**
 * The server stored something else than was sent. Plan already refuses the fields a server is
 * too old for (by version), so this is a field the server dropped or a value it rewrote: the
 * error shows both values and says how to settle either case.
 */
export function storedOtherwise(c: Pick<Change, 'key' | 'kind'>, fields: readonly FieldChange[], serverVersion: string): JkError {
  const shown = fields.map((f) => `${f.field}: sent ${formatValue(c.kind, f.apiField, f.to)}, stored ${formatValue(c.kind, f.apiField, f.from)}`);
  return new JkError('JK3005', {
    message: `nats-server ${serverVersion} stored a different config than sent: ${shown.join('; ')}`,
    resource: c.key,
    fix: 'where it stored a value of its own, declare that value (then the plan is a no-op); where it dropped a field, this server does not know it: remove the field or upgrade nats-server',
  });
}

/** Retries transient errors with the one backoff policy (src/nats/retry.ts). */
export { withRetry } from '../nats/retry.js';
