/**
 * ItemStatus -> the `status` of a custom resource: a kstatus Ready condition, observedGeneration
 * and the live summary. NACK's CRDs keep only observedGeneration and conditions (the API server
 * prunes the rest), so the Ready condition's message carries the live summary too. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ItemStatus, LiveSummary } from '../source.js';

export interface CrStatus {
  observedGeneration: number;
  conditions: Condition[];
  live?: Record<string, unknown>;
  stream?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Numbers made short for a one-line message: 1234567 -> 1.2M. */
function short(n: number): string {
  if (n < 1000) return String(n);
  const units = ['k', 'M', 'G', 'T'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)}${units[i]}`;
}

/** The live summary in words, for the condition message (`12 messages, 3.4k bytes, leader n1, replicas 3 current`). */
export function summaryText(live: LiveSummary | undefined): string {
  if (!live) return '';
  const parts: string[] = [];
  if (live.messages !== undefined) parts.push(`${short(live.messages)} messages`);
  if (live.bytes !== undefined) parts.push(`${short(live.bytes)} bytes`);
  if (live.consumers !== undefined) parts.push(`${live.consumers} consumers`);
  if (live.pending !== undefined) parts.push(`${short(live.pending)} pending`);
  if (live.ackPending !== undefined) parts.push(`${short(live.ackPending)} ack pending`);
  if (live.leader) parts.push(`leader ${live.leader}`);
  const r = live.replicas;
  if (r) parts.push(`replicas ${r.current} current${r.lagging ? `, ${r.lagging} lagging` : ''}${r.offline ? `, ${r.offline} offline` : ''}`);
  return parts.join(', ');
}

/** The status to write for `s`; the previous Ready condition keeps its lastTransitionTime when `ready` did not change. */
export function crStatus(s: ItemStatus, previous: Record<string, unknown> | undefined, stream: string | undefined): CrStatus {
  const summary = summaryText(s.live);
  const before = readyCondition(previous);
  const status = s.ready ? 'True' : 'False';
  const ready: Condition = {
    type: 'Ready',
    status,
    reason: s.reason,
    message: summary ? `${s.message} (${summary})` : s.message,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : s.lastTransitionTime,
    observedGeneration: s.observedGeneration,
  };
  const out: CrStatus = { observedGeneration: s.observedGeneration, conditions: [ready] };
  if (s.live) out.live = { ...s.live };
  if (stream) out.stream = stream;
  return out;
}

export function readyCondition(status: Record<string, unknown> | undefined): Condition | undefined {
  const list = status?.conditions;
  return Array.isArray(list) ? (list as Condition[]).find((c) => c?.type === 'Ready') : undefined;
}

/**
 * Whether writing `next` would change what the API server stores. What a NACK CRD prunes (the
 * live summary) is compared only when the stored status holds it, so a NACK cluster is not
 * written to on every pass.
 */
export function statusChanged(stored: Record<string, unknown> | undefined, next: CrStatus): boolean {
  const cond = readyCondition(stored);
  const pick = (c: Condition | undefined) => c && { status: c.status, reason: c.reason, message: c.message, observedGeneration: c.observedGeneration };
  if (!isDeepStrictEqual(pick(cond), pick(next.conditions[0]))) return true;
  if (stored?.observedGeneration !== next.observedGeneration) return true;
  return stored !== undefined && 'live' in stored && !isDeepStrictEqual(stored.live, next.live);
}
