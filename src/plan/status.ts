/** Per declared resource: Ready or not, with a stable reason, computed from a plan and live state. Pure. */
import type { Change, Plan } from './plan.js';

export type StatusReason =
  | 'Ready' | 'NotFound' | 'Drifted' | 'NeedsReplace' | 'Unsupported' | 'UpdatePrevented' | 'Unmanaged'
  | 'ReplicasNotCurrent' | 'NoLeader' | 'Failed' | 'Waiting' | 'Refused';

export interface ResourceStatus {
  key: string;
  kind: string;
  name?: string;
  ready: boolean;
  reason: StatusReason;
  message: string;
  /** live summary: messages, bytes, pending... */
  live?: Record<string, unknown>;
}

export interface LiveHealth {
  streams: Map<string, { messages: number; bytes: number; consumers?: number; leader?: string; replicas?: { name: string; current: boolean; offline?: boolean }[]; numReplicas: number }>;
  consumers: Map<string, { num_pending: number; num_ack_pending: number; num_redelivered: number }>;
}

const CHANGE_REASON: Partial<Record<Change['action'], [StatusReason, string]>> = {
  create: ['NotFound', 'does not exist on the server; run jetkeeper apply'],
  update: ['Drifted', 'differs from the manifest'],
  replace: ['NeedsReplace', 'differs in a field the server cannot change in place'],
  unsupported: ['Unsupported', 'uses fields the connected server does not support'],
};

export function resourceStatuses(p: Plan, health: LiveHealth): ResourceStatus[] {
  return p.changes.filter((c) => c.resource).map((c): ResourceStatus => {
    const base = { key: c.key, kind: c.kind, name: c.name };
    const t = c.target;
    const live = t.type === 'stream' ? health.streams.get(t.stream) : health.consumers.get(`${t.stream}/${t.consumer}`);
    const summary = live ? ({ ...live } as Record<string, unknown>) : undefined;
    const bad = CHANGE_REASON[c.action];
    if (bad) {
      const fields = c.fields.map((f) => f.field).join(', ');
      return { ...base, ready: false, reason: bad[0], message: `${bad[1]}${fields && c.action !== 'create' ? `: ${fields}` : ''}${c.reason ? ` (${c.reason})` : ''}`, live: summary };
    }
    if (c.action === 'skip') {
      const reason: StatusReason = c.fields.length ? 'UpdatePrevented' : 'Unmanaged';
      return { ...base, ready: c.fields.length === 0, reason, message: c.reason ?? '', live: summary };
    }
    if (t.type === 'stream') {
      const s = health.streams.get(t.stream);
      if (s && s.numReplicas > 1 && !s.leader) return { ...base, ready: false, reason: 'NoLeader', message: 'the stream has no leader (no quorum)', live: summary };
      const lagging = s?.replicas?.filter((r) => !r.current || r.offline).map((r) => r.name) ?? [];
      if (lagging.length) return { ...base, ready: false, reason: 'ReplicasNotCurrent', message: `replicas not current: ${lagging.join(', ')}`, live: summary };
    }
    return { ...base, ready: true, reason: 'Ready', message: 'matches the manifest', live: summary };
  });
}
