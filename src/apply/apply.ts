/**
 * Executes a plan: refuses destructive or unsupported changes that were not allowed, then
 * deletes, creates and updates in dependency order (streams before their consumers) with
 * bounded concurrency, retrying transient errors with jittered backoff.
 */
import { JkError } from '../errors.js';
import { mapLimit, type JetStreamAdmin } from '../nats/admin.js';
import { withRetry } from '../nats/retry.js';
import { diffConfigs, type Change, type Plan } from '../plan/plan.js';
import { compact } from '../resources/common.js';
import { kindByName } from '../resources/index.js';

export interface ApplyOptions {
  allowReplace: boolean;
  /** requests in flight at once (R3 creates take ~0.5 s each, so this matters) */
  concurrency: number;
  /** attempts for a transient error (leader election, timeout) */
  attempts: number;
  onProgress?: (e: ApplyEvent) => void;
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
  items: ApplyResultItem[];
  /** write requests sent to the server */
  writes: number;
  ok: boolean;
}

export const DEFAULT_APPLY: ApplyOptions = { allowReplace: false, concurrency: 16, attempts: 5 };

/** Throws (before any write) when the plan holds changes that were not allowed. */
export function checkAllowed(p: Plan, opts: Pick<ApplyOptions, 'allowReplace'>): void {
  const unsupported = p.changes.filter((c) => c.action === 'unsupported');
  if (unsupported.length) {
    throw new JkError('JK3002', {
      message: `${unsupported.map((c) => `${c.key}: ${c.reason}`).join('; ')}. Nothing was applied`,
      resource: unsupported[0].key,
      fix: 'remove those fields from the manifests or upgrade nats-server',
    });
  }
  const replaces = p.changes.filter((c) => c.action === 'replace');
  if (replaces.length && !opts.allowReplace) {
    throw new JkError('JK3001', {
      message: `${replaces.map((c) => `${c.key} (${c.reason})`).join('; ')} can only change by delete and create, which loses data. Nothing was applied`,
      resource: replaces[0].key,
      fix: 'revert the field, or run apply --allow-replace to delete and recreate (see `jetkeeper plan` for what is lost)',
    });
  }
}

/** Applies a plan against the server behind `admin`. */
export async function applyPlan(p: Plan, admin: JetStreamAdmin, options: Partial<ApplyOptions> = {}): Promise<ApplyResult> {
  const opts = { ...DEFAULT_APPLY, ...options };
  checkAllowed(p, opts);
  const startWrites = admin.writes;
  const items: ApplyResultItem[] = [];
  const isStream = (c: Change) => c.target.type === 'stream';
  const phases: { changes: Change[]; run: (c: Change) => Promise<void>; final?: boolean }[] = [
    // 1. consumers that go away (prune) or are recreated
    { changes: p.changes.filter((c) => !isStream(c) && c.action === 'delete'), run: (c) => deleteTarget(admin, c), final: true },
    { changes: p.changes.filter((c) => !isStream(c) && c.action === 'replace'), run: (c) => deleteTarget(admin, c) },
    // 2. streams that are recreated
    { changes: p.changes.filter((c) => isStream(c) && c.action === 'replace'), run: (c) => deleteTarget(admin, c) },
    // 3. streams
    { changes: p.changes.filter((c) => isStream(c) && isWrite(c)), run: (c) => writeTarget(admin, c), final: true },
    // 4. consumers (their streams exist now)
    { changes: p.changes.filter((c) => !isStream(c) && isWrite(c)), run: (c) => writeTarget(admin, c), final: true },
    // 5. streams that go away (prune), last
    { changes: p.changes.filter((c) => isStream(c) && c.action === 'delete'), run: (c) => deleteTarget(admin, c), final: true },
  ];
  for (const phase of phases) {
    await mapLimit(phase.changes, opts.concurrency, async (c) => {
      opts.onProgress?.({ key: c.key, action: c.action, status: 'start' });
      try {
        await withRetry(() => phase.run(c), opts.attempts, (e, n) => opts.onProgress?.({ key: c.key, action: c.action, status: 'retry', message: `attempt ${n}: ${e.message}` }));
        opts.onProgress?.({ key: c.key, action: c.action, status: 'done' });
        if (phase.final) items.push({ key: c.key, action: c.action, ok: true });
      } catch (e) {
        const error = locate(e instanceof JkError ? e : new JkError('JK3005', { message: String((e as Error).message), resource: c.key }), c);
        opts.onProgress?.({ key: c.key, action: c.action, status: 'failed', message: error.message });
        items.push({ key: c.key, action: c.action, ok: false, error });
      }
    });
    if (items.some((i) => !i.ok)) break;
  }
  return { items, writes: admin.writes - startWrites, ok: items.every((i) => i.ok) };
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
  // Old servers silently drop fields they do not know: check the server kept what was sent.
  const kind = kindByName(c.kind)!;
  const dropped = diffConfigs(kind, compact(desired), returned);
  if (dropped.length) {
    throw new JkError('JK3005', {
      message: `the server stored a different config than sent: ${dropped.map((f) => f.field).join(', ')} (nats-server ${admin.serverVersion})`,
      resource: c.key,
      fix: 'the server does not support these fields; remove them or upgrade nats-server',
    });
  }
}

/** Retries transient errors with the one backoff policy (src/nats/retry.ts). */
export { withRetry } from '../nats/retry.js';
