/**
 * JetStream advisories (`$JS.EVENT.ADVISORY.>`) as counters by kind and stream, and the last N
 * kept in memory as events. Kinds are a fixed set (anything else counts as `other`), so labels stay
 * bounded; message bodies are kept only for the fields that say what happened.
 */

export const ADVISORY_KINDS = [
  'stream_leader_elected', 'stream_quorum_lost', 'consumer_leader_elected', 'consumer_quorum_lost', 'max_deliveries',
  'terminated', 'nak', 'api_error', 'stream_created', 'stream_deleted', 'stream_updated', 'consumer_created', 'consumer_deleted',
  'restore', 'snapshot', 'server_removed', 'meta_leader_elected', 'other',
] as const;
export type AdvisoryKind = (typeof ADVISORY_KINDS)[number];

export interface AdvisoryEvent {
  /** ms since epoch, when received */
  at: number;
  kind: AdvisoryKind;
  stream: string;
  consumer?: string;
  subject: string;
  /** the server-side type, e.g. io.nats.jetstream.advisory.v1.stream_leader_elected */
  type?: string;
  leader?: string;
}

const PATTERNS: [RegExp, AdvisoryKind][] = [
  [/^\$JS\.EVENT\.ADVISORY\.STREAM\.LEADER_ELECTED\./, 'stream_leader_elected'],
  [/^\$JS\.EVENT\.ADVISORY\.STREAM\.QUORUM_LOST\./, 'stream_quorum_lost'],
  [/^\$JS\.EVENT\.ADVISORY\.CONSUMER\.LEADER_ELECTED\./, 'consumer_leader_elected'],
  [/^\$JS\.EVENT\.ADVISORY\.CONSUMER\.QUORUM_LOST\./, 'consumer_quorum_lost'],
  [/^\$JS\.EVENT\.ADVISORY\.CONSUMER\.MAX_DELIVERIES\./, 'max_deliveries'],
  [/^\$JS\.EVENT\.ADVISORY\.CONSUMER\.MSG_TERMINATED\./, 'terminated'],
  [/^\$JS\.EVENT\.ADVISORY\.CONSUMER\.MSG_NAKED\./, 'nak'],
  [/^\$JS\.EVENT\.ADVISORY\.STREAM\.CREATED\./, 'stream_created'],
  [/^\$JS\.EVENT\.ADVISORY\.STREAM\.DELETED\./, 'stream_deleted'],
  [/^\$JS\.EVENT\.ADVISORY\.STREAM\.UPDATED\./, 'stream_updated'],
  [/^\$JS\.EVENT\.ADVISORY\.CONSUMER\.CREATED\./, 'consumer_created'],
  [/^\$JS\.EVENT\.ADVISORY\.CONSUMER\.DELETED\./, 'consumer_deleted'],
  [/^\$JS\.EVENT\.ADVISORY\.STREAM\.RESTORE_/, 'restore'],
  [/^\$JS\.EVENT\.ADVISORY\.STREAM\.SNAPSHOT_/, 'snapshot'],
  [/^\$JS\.EVENT\.ADVISORY\.SERVER\.REMOVED/, 'server_removed'],
  [/^\$JS\.EVENT\.ADVISORY\.JS\.LEADER_ELECTED/, 'meta_leader_elected'],
];

function apiFailed(body: Record<string, unknown> | undefined): boolean {
  const resp = body?.response;
  if (typeof resp !== 'string') return false;
  try {
    return (JSON.parse(resp) as { error?: unknown }).error !== undefined;
  } catch {
    return false;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** What an advisory is; undefined for an API audit advisory that reports success (not counted). */
export function classifyAdvisory(subject: string, body: Record<string, unknown> | undefined, at = Date.now()): AdvisoryEvent | undefined {
  if (subject.startsWith('$JS.EVENT.ADVISORY.API')) {
    if (!apiFailed(body)) return undefined;
    return { at, kind: 'api_error', stream: '', subject: '$JS.EVENT.ADVISORY.API', type: str(body?.type) };
  }
  const kind = PATTERNS.find(([re]) => re.test(subject))?.[1] ?? 'other';
  const leader = str(body?.leader);
  return { at, kind, stream: str(body?.stream) ?? '', consumer: str(body?.consumer), subject, type: str(body?.type), leader };
}

/** Counters by (kind, stream) and a ring of the last `keep` events. */
export class AdvisoryLog {
  readonly keep: number;
  readonly #counts = new Map<string, { kind: AdvisoryKind; stream: string; n: number }>();
  readonly #events: AdvisoryEvent[] = [];

  constructor(keep = 100) {
    this.keep = keep;
  }

  record(subject: string, body: Record<string, unknown> | undefined, at = Date.now()): AdvisoryEvent | undefined {
    const e = classifyAdvisory(subject, body, at);
    if (!e) return undefined;
    const key = `${e.kind}\u0000${e.stream}`;
    const c = this.#counts.get(key);
    if (c) c.n++;
    else this.#counts.set(key, { kind: e.kind, stream: e.stream, n: 1 });
    this.#events.push(e);
    if (this.#events.length > this.keep) this.#events.shift();
    return e;
  }

  counts(): { kind: AdvisoryKind; stream: string; n: number }[] {
    return [...this.#counts.values()];
  }

  /** newest last */
  events(): AdvisoryEvent[] {
    return [...this.#events];
  }
}
