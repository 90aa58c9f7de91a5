/**
 * The one pipeline every entry point runs: group the resources by the connection they resolve
 * to, read live state (everything, or only the named targets), plan, apply, and report one
 * outcome per change and a status per declared resource, for each connection.
 */
import { applyPlan, outcomeOk, preflight, refusalErrors, type ApplyEvent, type Outcome } from '../apply/apply.js';
import { JkError } from '../errors.js';
import { liveSubjectConflicts } from '../manifests/cross.js';
import type { Resource } from '../manifests/validate.js';
import { JetStreamAdmin, type LiveSnapshot } from '../nats/admin.js';
import { describeSettings, type ConnectionSettings } from '../nats/settings.js';
import { plan, type Plan } from '../plan/plan.js';
import type { ResourceStatus } from '../plan/status.js';
import { groupByConnection, type ConnectionGroup } from './connections.js';
import { healthOf, statusesAfter } from './status.js';

export interface ReconcileInput {
  /** validated resources (validateDocuments) */
  resources: readonly Resource[];
  /** where to connect before each resource's Account and own connection fields overlay it */
  connection: ConnectionSettings;
  /** ownership tag; prune only deletes what carries it */
  owner: string;
  mode: 'plan' | 'apply';
  prune?: boolean;
  /** the most deletes one prune may make (default: 25 % of the owned resources, 1 to 10) */
  pruneMax?: number;
  allowReplace?: boolean;
  /** all-or-nothing: any refused change refuses the whole run before the first write (default); per-change: the rest go ahead */
  preflight?: 'all-or-nothing' | 'per-change';
  /**
   * keys (`Stream/ORDERS`, `Consumer/ORDERS/c`) of the resources to reconcile now; the others are
   * context only (their Accounts, what prune must keep). For a few changed resources among many.
   */
  only?: readonly string[];
  /** all: list every stream and consumer; targets: info of the declared ones only; auto (default): targets unless pruning or many resources */
  read?: 'all' | 'targets' | 'auto';
  /** requests in flight at once */
  concurrency?: number;
  /** attempts for a transient error */
  attempts?: number;
  signal?: AbortSignal;
  onEvent?: (e: ReconcileEvent) => void;
  /**
   * how to connect (default JetStreamAdmin.connect, closed at the end of the run); connections a
   * given function returns belong to the caller, who keeps them open across runs and closes them
   */
  connect?: (s: ConnectionSettings) => Promise<JetStreamAdmin>;
}

export type ReconcileEvent =
  | { type: 'group'; connection: string; phase: 'connect' | 'read' | 'plan' | 'apply' | 'done' }
  | ({ type: 'change'; connection: string } & ApplyEvent);

export interface GroupResult {
  /** the connection, as it may be shown (no secrets) */
  connection: string;
  settings: ConnectionSettings;
  plan?: Plan;
  /** one per change of the plan; in plan mode, changes apply would send are `planned` */
  outcomes: Outcome[];
  statuses: ResourceStatus[];
  writes: number;
  /** set when the group could not be read (connect, list): its resources were not reconciled */
  error?: JkError;
  /** declared streams whose subjects overlap a live stream (found when the whole account was read): the server would refuse them */
  conflicts: JkError[];
}

export interface ReconcileResult {
  groups: GroupResult[];
  /** every change applied or deliberately skipped, and no group failed */
  ok: boolean;
  writes: number;
  /** refusals that stopped an all-or-nothing run before any write */
  refused: JkError[];
}

/** Above this many declared resources without prune, one list of everything is cheaper than one info each. */
const TARGETS_MAX = 100;

interface Prepared {
  group: ConnectionGroup;
  result: GroupResult;
  admin?: JetStreamAdmin;
  live?: LiveSnapshot;
}

/** Runs the pipeline. Connections are always closed, also when a step throws. */
export async function reconcile(input: ReconcileInput): Promise<ReconcileResult> {
  const groups = await groupByConnection(selected(input), input.connection);
  const prepared: Prepared[] = [];
  try {
    await Promise.all(groups.map(async (g) => { prepared.push(await prepare(g, input)); }));
    prepared.sort((a, b) => groups.indexOf(a.group) - groups.indexOf(b.group));
    const allOrNothing = (input.preflight ?? 'all-or-nothing') === 'all-or-nothing';
    const refused = input.mode === 'apply' && allOrNothing
      ? prepared.flatMap((p) => [...p.result.conflicts, ...(p.result.plan ? refusalErrors(p.result.plan, { allowReplace: !!input.allowReplace }) : [])])
      : [];
    // all or nothing: a connection that could not be read stops the writes on every other one too
    const unreadable = allOrNothing && prepared.some((p) => p.result.error);
    if (input.mode === 'apply' && !refused.length && !unreadable) {
      for (const p of prepared) await applyGroup(p, input);
    }
    const results = prepared.map((p) => p.result);
    return {
      groups: results,
      ok: !refused.length && results.every((r) => !r.error && (input.mode === 'plan' || r.outcomes.every(outcomeOk))),
      writes: results.reduce((n, r) => n + r.writes, 0),
      refused,
    };
  } finally {
    if (!input.connect) await Promise.all(prepared.map((p) => p.admin?.close()));
  }
}

/** The resources to reconcile now: all, or those named by `only` (with every Account, which others may name). */
function selected(input: ReconcileInput): readonly Resource[] {
  if (!input.only) return input.resources;
  if (input.prune) {
    throw new JkError('JK3009', {
      message: 'prune needs every declared resource reconciled at once; it cannot run on a selection of resources',
      option: 'only',
      fix: 'reconcile all resources when pruning (no `only`), or leave `prune` off for a selection',
    });
  }
  const keys = new Set(input.only);
  return input.resources.filter((r) => r.kind === 'Account' || keys.has(r.key));
}

/** Connects, reads and plans one group; a failure is kept in the result, not thrown. */
async function prepare(group: ConnectionGroup, input: ReconcileInput): Promise<Prepared> {
  const connection = describeSettings(group.settings);
  const emit = (phase: 'connect' | 'read' | 'plan') => input.onEvent?.({ type: 'group', connection, phase });
  const out: Prepared = { group, result: { connection, settings: group.settings, outcomes: [], statuses: [], writes: 0, conflicts: [] } };
  try {
    emit('connect');
    out.admin = await (input.connect ?? JetStreamAdmin.connect)(group.settings);
    emit('read');
    const read = await readFor(out.admin, group.resources, input);
    out.live = read.live;
    if (read.whole) out.result.conflicts = liveSubjectConflicts(group.resources, read.live.streams.map((x) => ({ name: String(x.config.name), subjects: x.config.subjects as string[] | undefined })));
    emit('plan');
    const p = plan(group.resources, out.live, { owner: input.owner, prune: !!input.prune, pruneMax: input.pruneMax, declared: input.resources });
    out.result.plan = p;
    out.result.outcomes = plannedOutcomes(p, !!input.allowReplace);
    out.result.statuses = statusesAfter(p, healthOf(out.live), []);
  } catch (e) {
    out.result.error = e instanceof JkError ? e : new JkError('JK9001', { message: String((e as Error)?.message ?? e), cause: e });
  }
  return out;
}

/** What apply would do with each change, before any write: the refusals, skips and waits, and `planned` for the rest. */
function plannedOutcomes(p: Plan, allowReplace: boolean): Outcome[] {
  const known = new Map(preflight(p, { allowReplace }).map((x) => [x.change, x.outcome]));
  return p.changes.map((c) => known.get(c) ?? { key: c.key, action: c.action, result: 'planned' });
}

/** Live state for the group: the whole account, or only the declared targets; `whole` says which. */
async function readFor(admin: JetStreamAdmin, resources: readonly Resource[], input: ReconcileInput): Promise<{ live: LiveSnapshot; whole: boolean }> {
  const targets = resources.flatMap((r) => (r.target ? [r.target] : []));
  const mode = input.read ?? 'auto';
  const byTargets = mode === 'targets' || (mode === 'auto' && !input.prune && targets.length <= TARGETS_MAX);
  if (!byTargets) return { live: await admin.readLive({ concurrency: input.concurrency }), whole: true };
  const live = await admin.readTargets({
    streams: targets.map((t) => t.stream),
    consumers: targets.flatMap((t) => (t.type === 'consumer' ? [{ stream: t.stream, name: t.consumer }] : [])),
  }, { concurrency: input.concurrency });
  return { live, whole: false };
}

async function applyGroup(p: Prepared, input: ReconcileInput): Promise<void> {
  const plan = p.result.plan;
  if (!plan || !p.admin || !p.live) return;
  const connection = p.result.connection;
  input.onEvent?.({ type: 'group', connection, phase: 'apply' });
  const r = await applyPlan(plan, p.admin, {
    allowReplace: !!input.allowReplace,
    concurrency: input.concurrency,
    attempts: input.attempts,
    signal: input.signal,
    preflight: 'per-change',
    onProgress: (e) => input.onEvent?.({ type: 'change', connection, ...e }),
  });
  p.result.outcomes = r.outcomes;
  p.result.writes = r.writes;
  p.result.statuses = statusesAfter(plan, healthOf(p.live), r.outcomes);
  input.onEvent?.({ type: 'group', connection, phase: 'done' });
}
