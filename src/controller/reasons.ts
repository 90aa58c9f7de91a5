/**
 * From what the reconcile core planned or did for one resource to the controller's decision:
 * the status (Ready, a reason from the closed set, a message), whether to write, what to wait
 * for, and the event to emit. Pure.
 */
import type { Outcome } from '../reconcile/selected.js';
import type { JkError } from '../errors.js';
import type { Change, FieldChange } from '../plan/plan.js';
import type { ResourceStatus } from '../plan/status.js';
import { compareVersions, metadataValue, OWNER_KEY } from '../resources/kind.js';
import type { ControllerReason, EventReason, EventType, ItemPolicy, LiveSummary } from './source.js';

export type DriftMode = 'repair' | 'report';

export interface DecideContext {
  owner: string;
  drift: DriftMode;
  readOnly: boolean;
  serverVersion: string;
  /** the item's generation has not been reconciled yet (a new or changed manifest, or a restart) */
  manifestChanged: boolean;
  policy: ItemPolicy;
}

export interface Decision {
  ready: boolean;
  reason: ControllerReason;
  message: string;
  live?: LiveSummary;
  /** an apply pass is needed; `replace` when it recreates the asset */
  write?: 'apply' | 'replace';
  /** the key (`Stream/X`) to wait for */
  waitOn?: string;
  /** retry with backoff */
  retry?: boolean;
  /** the difference is drift made outside jetkeeper */
  drift?: boolean;
  event?: { type: EventType; reason: EventReason; message: string };
}

const MAX_VALUE = 80;

function valueText(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

/** `spec.maxAge: 3600000000000 → 7200000000000` for each changed field. */
export function fieldsText(fields: readonly FieldChange[]): string {
  return fields.map((f) => `spec.${f.field}: ${valueText(f.from)} → ${valueText(f.to)}`).join('; ');
}

/** The live summary from the core's status of the resource. */
export function liveSummary(s: ResourceStatus | undefined): LiveSummary | undefined {
  const l = s?.live as Record<string, unknown> | undefined;
  if (!l) return undefined;
  if ('num_pending' in l) return { pending: Number(l.num_pending), ackPending: Number(l.num_ack_pending) };
  const replicas = l.replicas as { current: boolean; offline?: boolean }[] | undefined;
  const peers = replicas ?? [];
  return {
    messages: Number(l.messages), bytes: Number(l.bytes), consumers: l.consumers === undefined ? undefined : Number(l.consumers), leader: l.leader as string | undefined,
    replicas: { current: peers.filter((r) => r.current && !r.offline).length + (l.leader ? 1 : 0), lagging: peers.filter((r) => !r.current && !r.offline).length, offline: peers.filter((r) => r.offline).length },
  };
}

/** The decision with a warning event that says the same. */
function warn(d: Decision): Decision {
  return { ...d, event: { type: 'Warning', reason: d.reason, message: d.message } };
}

/** A reconcile error as a decision: connection problems are retried. */
export function errorDecision(e: JkError): Decision {
  const connection = e.code.startsWith('JK2') || e.transient;
  if (e.code === 'JK3006') return warn({ ready: false, reason: 'ServerUnsupported', message: e.message });
  return warn({ ready: false, reason: connection ? 'ConnectionFailed' : 'InvalidManifest', message: `${e.code} ${e.message}`, retry: true });
}

function notOwned(c: Change, ctx: DecideContext): Decision | undefined {
  if (!c.live || ctx.policy.adopt || !ctx.policy.managed || compareVersions(ctx.serverVersion, '2.10.0') < 0) return undefined;
  const owner = metadataValue(c.live, OWNER_KEY);
  if (owner === ctx.owner) return undefined;
  return warn({
    ready: false, reason: 'NotOwned',
    message: `${c.key} exists on the server and was not created by this jetkeeper owner (${owner ? `owner ${JSON.stringify(owner)}` : 'no owner tag'}); annotate jetkeeper.io/adopt: "true" to manage it`,
  });
}

function replaceDecision(c: Change, ctx: DecideContext, live?: LiveSummary): Decision {
  const plan = `${fieldsText(c.fields.filter((f) => f.immutable))}${c.reason ? ` (${c.reason})` : ''}`;
  const loses = c.dataLoss ?? `deletes and recreates ${c.key}`;
  if (ctx.policy.allowReplace && ctx.policy.managed && !ctx.readOnly) {
    return { ready: false, reason: 'ImmutableFieldChanged', message: `replacing: ${plan}; ${loses}`, live, write: 'replace', event: { type: 'Warning', reason: 'Replacing', message: `recreating ${c.key} (${plan}): ${loses}` } };
  }
  const message = `cannot change in place: ${plan}; recreating would lose: ${loses}. Revert the change, or annotate jetkeeper.io/allow-replace: "true" to recreate it`;
  return { ready: false, reason: 'ImmutableFieldChanged', message, live, event: { type: 'Warning', reason: 'ImmutableFieldChanged', message } };
}

function writeDecision(c: Change, ctx: DecideContext, live?: LiveSummary): Decision {
  const drift = !ctx.manifestChanged;
  const what = c.action === 'create' ? `${c.key} does not exist on the server` : `differs from the manifest: ${fieldsText(c.fields)}`;
  const why = !ctx.policy.managed ? 'observe only (jetkeeper.io/managed: "false")' : ctx.readOnly ? 'read-only' : drift && ctx.drift === 'report' ? 'drift is only reported' : undefined;
  if (why) {
    const message = `${what} (${why})`;
    return { ready: false, reason: 'DriftDetected', message, live, drift, event: { type: 'Warning', reason: 'DriftDetected', message } };
  }
  return { ready: false, reason: drift ? 'DriftDetected' : 'InSync', message: what, live, write: 'apply', drift };
}

function healthDecision(s: ResourceStatus | undefined, live?: LiveSummary): Decision {
  if (s?.reason === 'NoLeader') return { ready: false, reason: 'NoQuorum', message: s.message, live, retry: true };
  const lagging = s?.reason === 'ReplicasNotCurrent' ? ` (${s.message})` : '';
  return { ready: true, reason: 'InSync', message: `matches the manifest${lagging}`, live };
}

/** The decision for one planned change of the resource. */
export function decide(c: Change | undefined, s: ResourceStatus | undefined, ctx: DecideContext): Decision {
  const live = liveSummary(s);
  if (!c) return { ready: true, reason: 'InSync', message: 'nothing on the server to reconcile' };
  const foreign = notOwned(c, ctx);
  if (foreign) return { ...foreign, live };
  switch (c.action) {
    case 'unsupported': return warn({ ready: false, reason: 'ServerUnsupported', message: c.reason ?? 'the connected server lacks a field', live });
    case 'replace': return replaceDecision(c, ctx, live);
    case 'skip':
      return c.fields.length
        ? warn({ ready: false, reason: 'UpdatePrevented', message: `${c.reason ?? 'preventUpdate'}: not written: ${fieldsText(c.fields)}`, live })
        : { ready: true, reason: 'UpdatePrevented', message: c.reason ?? 'left alone', live };
    case 'create':
    case 'update':
      if (c.waitsFor) return { ready: false, reason: 'StreamMissing', message: `waiting for ${c.waitsFor}: it does not exist on the server`, waitOn: c.waitsFor };
      return writeDecision(c, ctx, live);
    default: return healthDecision(s, live);
  }
}

/** The decision after an apply pass sent (or tried) the write. */
export function afterApply(before: Decision, o: Outcome | undefined, c: Change | undefined): Decision {
  if (!o || !c) return { ...before, write: undefined, ready: false, reason: 'ConnectionFailed', message: 'the apply pass did not report this resource', retry: true };
  if (o.result === 'applied') {
    const reason: ControllerReason = before.drift ? 'DriftRepaired' : c.action === 'create' ? 'Created' : 'Updated';
    const message = before.drift ? `repaired drift: ${before.message}` : c.action === 'create' ? 'created as declared' : c.action === 'replace' ? `recreated: ${fieldsText(c.fields)}` : `updated: ${fieldsText(c.fields)}`;
    return { ready: true, reason, message, live: before.live, drift: before.drift, event: { type: 'Normal', reason, message } };
  }
  if (o.result === 'waiting') return { ready: false, reason: 'StreamMissing', message: o.message, waitOn: o.on };
  if (o.result === 'failed') {
    const d = errorDecision(o.error);
    return { ...d, live: before.live, event: { type: 'Warning', reason: d.reason, message: d.message } };
  }
  if (o.result === 'refused') return { ready: false, reason: o.reason === 'unsupported' ? 'ServerUnsupported' : 'ImmutableFieldChanged', message: o.message, live: before.live };
  return { ...before, write: undefined };
}
