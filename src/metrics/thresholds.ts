/**
 * Per-resource thresholds carried in stream and consumer metadata under the `io.nats.monitor.*`
 * keys that `nats server check` reads, and their evaluation with the same semantics:
 * `msgs-warn`/`msgs-critical` are minimums (at or below is a problem), subjects thresholds are
 * maximums when warn < critical and minimums otherwise, everything else is a critical maximum.
 * Results follow the Nagios convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
import { parseDuration } from '../resources/duration.js';
import type { GatherConsumer, GatherStream } from '../nats/gather.js';

export const MONITOR_PREFIX = 'io.nats.monitor.';

type Kind = 'count' | 'seconds' | 'bool';
const STREAM_KEYS: Record<string, Kind> = {
  'lag-critical': 'count', 'seen-critical': 'seconds', 'min-sources': 'count', 'max-sources': 'count', 'peer-expect': 'count',
  'peer-lag-critical': 'count', 'peer-seen-critical': 'seconds', 'msgs-warn': 'count', 'msgs-critical': 'count',
  'subjects-warn': 'count', 'subjects-critical': 'count',
};
const CONSUMER_KEYS: Record<string, Kind> = {
  'outstanding-ack-critical': 'count', 'waiting-critical': 'count', 'unprocessed-critical': 'count', 'last-delivery-critical': 'seconds',
  'last-ack-critical': 'seconds', 'redelivery-critical': 'count', pinned: 'bool',
};

export type Thresholds = Record<string, number>;

export interface ThresholdProblem {
  key: string;
  value: string;
  reason: string;
}

export interface ParsedThresholds {
  /** false when `io.nats.monitor.enabled` is false */
  enabled: boolean;
  values: Thresholds;
  problems: ThresholdProblem[];
}

function parseValue(kind: Kind, v: string): number | string {
  if (kind === 'bool') return v === 'true' ? 1 : v === 'false' ? 0 : 'expected true or false';
  if (kind === 'seconds') {
    const d = parseDuration(v);
    return 'error' in d ? d.error : d.ns / 1e9;
  }
  return /^\d+$/.test(v) ? Number(v) : 'expected a whole number';
}

function parse(metadata: Record<string, string> | undefined, keys: Record<string, Kind>): ParsedThresholds {
  const out: ParsedThresholds = { enabled: true, values: {}, problems: [] };
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (!k.startsWith(MONITOR_PREFIX)) continue;
    const name = k.slice(MONITOR_PREFIX.length);
    if (name === 'enabled') {
      out.enabled = v !== 'false';
      continue;
    }
    const kind = keys[name];
    if (!kind) continue;
    const parsed = parseValue(kind, v);
    if (typeof parsed === 'number') out.values[name] = parsed;
    else out.problems.push({ key: k, value: v, reason: parsed });
  }
  return out;
}

export function streamThresholds(metadata: Record<string, string> | undefined): ParsedThresholds {
  return parse(metadata, STREAM_KEYS);
}

export function consumerThresholds(metadata: Record<string, string> | undefined): ParsedThresholds {
  return parse(metadata, CONSUMER_KEYS);
}

export type CheckStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
const RANK: Record<CheckStatus, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export interface CheckItem {
  name: string;
  status: CheckStatus;
  message: string;
  value?: number;
  warn?: number;
  crit?: number;
}

export interface CheckResult {
  kind: 'stream' | 'consumer';
  name: string;
  status: CheckStatus;
  exitCode: number;
  items: CheckItem[];
}

/** The worst status of `items` (OK when there are none). */
export function worst(items: readonly { status: CheckStatus }[]): CheckStatus {
  return items.reduce<CheckStatus>((w, i) => (RANK[i.status] > RANK[w] ? i.status : w), 'OK');
}

export function nagiosExit(s: CheckStatus): number {
  return RANK[s];
}

function result(kind: CheckResult['kind'], name: string, items: CheckItem[]): CheckResult {
  const status = worst(items);
  return { kind, name, status, exitCode: nagiosExit(status), items };
}

function problemItems(p: ParsedThresholds): CheckItem[] {
  return p.problems.map((x) => ({ name: x.key, status: 'UNKNOWN' as const, message: `metadata ${x.key}=${JSON.stringify(x.value)}: ${x.reason}` }));
}

/** A critical maximum: value at or above crit is CRITICAL. */
function atMost(name: string, value: number, crit: number | undefined, what: string): CheckItem[] {
  if (!crit) return [];
  return [{ name, value, crit, status: value >= crit ? 'CRITICAL' : 'OK', message: `${what} ${value}${value >= crit ? ` >= ${crit}` : ''}` }];
}

function messagesItem(msgs: number, t: Thresholds): CheckItem[] {
  const warn = t['msgs-warn'];
  const crit = t['msgs-critical'];
  if (!warn && !crit) return [];
  const status: CheckStatus = crit && msgs <= crit ? 'CRITICAL' : warn && msgs <= warn ? 'WARNING' : 'OK';
  return [{ name: 'messages', value: msgs, warn, crit, status, message: `${msgs} messages` }];
}

function subjectsItem(ns: number, t: Thresholds): CheckItem[] {
  const warn = t['subjects-warn'] ?? 0;
  const crit = t['subjects-critical'] ?? 0;
  if (warn <= 0 && crit <= 0) return [];
  const maximum = warn < crit;
  const hit = (x: number) => x > 0 && (maximum ? ns >= x : ns <= x);
  const status: CheckStatus = hit(crit) ? 'CRITICAL' : hit(warn) ? 'WARNING' : 'OK';
  return [{ name: 'subjects', value: ns, warn, crit, status, message: `${ns} subjects` }];
}

function sourcesItems(s: GatherStream, t: Thresholds): CheckItem[] {
  const sources = s.sources ?? [];
  const items: CheckItem[] = [];
  const min = t['min-sources'];
  const max = t['max-sources'];
  if (min || max) {
    const bad = (min !== undefined && sources.length < min) || (max !== undefined && max > 0 && sources.length > max);
    items.push({ name: 'sources', value: sources.length, status: bad ? 'CRITICAL' : 'OK', message: `${sources.length} sources` });
  }
  const lagCrit = t['lag-critical'];
  const seenCrit = t['seen-critical'];
  const upstream = s.mirror ? [s.mirror] : sources;
  if (s.mirror === undefined && sources.length === 0 && (lagCrit || seenCrit) && !min) {
    items.push({ name: 'mirror', status: 'CRITICAL', message: 'not mirrored and no sources' });
  }
  for (const u of upstream) {
    items.push(...atMost(`lag ${u.name}`, u.lag ?? 0, lagCrit, `${u.name} lag`));
    if (seenCrit) items.push(...atMost(`active ${u.name}`, (u.active ?? 0) / 1e9, seenCrit, `${u.name} last active (s)`));
  }
  return items;
}

function clusterItems(s: GatherStream, t: Thresholds): CheckItem[] {
  const expect = t['peer-expect'];
  const replicas = s.config?.num_replicas ?? 1;
  if (replicas <= 1 && !expect) return [];
  if (replicas <= 1 || !s.cluster) return [{ name: 'cluster', status: 'CRITICAL', message: 'stream is not clustered' }];
  if (!s.cluster.leader) return [{ name: 'leader', status: 'CRITICAL', message: 'no leader' }];
  const peers = s.cluster.replicas ?? [];
  const items: CheckItem[] = [];
  if (expect && peers.length + 1 !== expect) items.push({ name: 'peers', status: 'CRITICAL', value: peers.length + 1, message: `expected ${expect} replicas, got ${peers.length + 1}` });
  const offline = peers.filter((p) => p.offline).length;
  items.push({ name: 'offline', value: offline, status: offline ? 'CRITICAL' : 'OK', message: `${offline} replicas offline` });
  const lagCrit = t['peer-lag-critical'];
  if (lagCrit) {
    const lagged = peers.filter((p) => (p.lag ?? 0) > lagCrit).length;
    items.push({ name: 'peer lag', value: lagged, status: lagged ? 'CRITICAL' : 'OK', message: `${lagged} replicas lagged more than ${lagCrit}` });
  }
  const seenCrit = t['peer-seen-critical'];
  if (seenCrit) {
    const inactive = peers.filter((p) => (p.active ?? 0) / 1e9 > seenCrit).length;
    items.push({ name: 'peer seen', value: inactive, status: inactive ? 'CRITICAL' : 'OK', message: `${inactive} replicas not seen for ${seenCrit}s` });
  }
  return items;
}

/** `check stream`: the stream's own thresholds against its info. */
export function checkStream(s: GatherStream): CheckResult {
  const p = streamThresholds(s.config?.metadata);
  if (!p.enabled) return result('stream', s.name, [{ name: 'enabled', status: 'OK', message: 'monitoring disabled by io.nats.monitor.enabled=false' }]);
  const t = p.values;
  return result('stream', s.name, [
    ...problemItems(p), ...messagesItem(s.state?.messages ?? 0, t), ...subjectsItem(s.state?.num_subjects ?? 0, t), ...sourcesItems(s, t), ...clusterItems(s, t),
  ]);
}

function sinceItem(name: string, iso: string | undefined, crit: number | undefined, now: number): CheckItem[] {
  if (!crit) return [];
  if (!iso || iso.startsWith('0001-')) return [{ name, status: 'CRITICAL', crit, message: `no ${name.replace('last ', '')} yet` }];
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  return [{ name, value: s, crit, status: s >= crit ? 'CRITICAL' : 'OK', message: `${name} ${s.toFixed(1)}s ago` }];
}

function pinnedItem(c: GatherConsumer, t: Thresholds): CheckItem[] {
  if (!t.pinned) return [];
  const groups = c.priority_groups ?? [];
  if (c.config?.priority_policy !== 'pinned_client') return [{ name: 'pinned', status: 'CRITICAL', message: 'not in pinned-client priority mode' }];
  const pinned = groups.filter((g) => g.pinned_client_id).length;
  const total = ((c.config?.priority_groups as unknown[] | undefined) ?? []).length;
  return [{ name: 'pinned', value: pinned, status: pinned < total ? 'CRITICAL' : 'OK', message: `${pinned} / ${total} pinned clients` }];
}

/** `check consumer`: the consumer's own thresholds against its info. */
export function checkConsumer(c: GatherConsumer, now = Date.now()): CheckResult {
  const p = consumerThresholds(c.config?.metadata);
  const name = `${c.stream_name} > ${c.name}`;
  if (!p.enabled) return result('consumer', name, [{ name: 'enabled', status: 'OK', message: 'monitoring disabled by io.nats.monitor.enabled=false' }]);
  const t = p.values;
  return result('consumer', name, [
    ...problemItems(p),
    ...atMost('ack pending', c.num_ack_pending ?? 0, t['outstanding-ack-critical'], 'ack pending'),
    ...atMost('waiting', c.num_waiting ?? 0, t['waiting-critical'], 'waiting pulls'),
    ...atMost('unprocessed', c.num_pending ?? 0, t['unprocessed-critical'], 'unprocessed messages'),
    ...atMost('redelivered', c.num_redelivered ?? 0, t['redelivery-critical'], 'redelivered'),
    ...sinceItem('last delivery', c.delivered?.last_active, t['last-delivery-critical'], now),
    ...sinceItem('last ack', c.ack_floor?.last_active, t['last-ack-critical'], now),
    ...pinnedItem(c, t),
  ]);
}
