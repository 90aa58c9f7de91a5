/** Statuses of declared resources: from a plan and the live health, or from what an apply did. Pure. */
import type { Outcome } from '../apply/outcome.js';
import type { LiveSnapshot } from '../nats/admin.js';
import type { Plan } from '../plan/plan.js';
import { resourceStatuses, type LiveHealth, type ResourceStatus, type StatusReason } from '../plan/status.js';

/** Consumers of a stream: the server's count (every consumer, declared or not), else those in the snapshot. */
function consumerCount(live: LiveSnapshot, s: LiveSnapshot['streams'][number]): number {
  const n = s.state.consumer_count;
  return typeof n === 'number' ? n : live.consumers.filter((c) => c.stream === s.config.name).length;
}

/** The health numbers status reports, from a live snapshot. */
export function healthOf(live: LiveSnapshot): LiveHealth {
  return {
    streams: new Map(live.streams.map((s) => [String(s.config.name), {
      messages: s.state.messages, bytes: s.state.bytes, consumers: consumerCount(live, s), leader: s.cluster?.leader, replicas: s.cluster?.replicas, numReplicas: Number(s.config.num_replicas),
    }])),
    consumers: new Map(live.consumers.map((c) => [`${c.stream}/${c.name}`, { num_pending: c.num_pending, num_ack_pending: c.num_ack_pending, num_redelivered: c.num_redelivered }])),
  };
}

const AFTER: Partial<Record<Outcome['result'], StatusReason>> = { failed: 'Failed', waiting: 'Waiting', refused: 'Refused' };

/**
 * Statuses after an apply: a change that was applied is Ready; one that failed, waits or was
 * refused says so; the rest keep what the plan and live health say.
 */
export function statusesAfter(p: Plan, health: LiveHealth, outcomes: readonly Outcome[]): ResourceStatus[] {
  const byKey = new Map(outcomes.map((o) => [o.key, o]));
  return resourceStatuses(p, health).map((s) => {
    const o = byKey.get(s.key);
    if (!o || o.result === 'skipped' || o.result === 'planned') return s;
    if (o.result === 'applied') return { ...s, ready: true, reason: 'Ready', message: `${o.action === 'create' ? 'created' : o.action === 'update' ? 'updated' : 'replaced'} as declared` };
    return { ...s, ready: false, reason: AFTER[o.result]!, message: o.message };
  });
}
