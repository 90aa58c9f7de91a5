/**
 * Live state as rows (`jetkeeper get`): one row per stream, bucket, consumer or account, in the
 * shape -o json and -o yaml print (docs/output.md). Pure: the snapshot comes in as data.
 */
import { formatDuration } from '../resources/duration.js';
import { metadataValue, OWNER_KEY, type ApiConfig, type KindName } from '../resources/kind.js';
import { kindOfLiveStream } from '../resources/index.js';

/**
 * One row: lists are arrays, counts and sizes numbers, durations Go duration strings (`24h`), and
 * what is not set is null. Only a text table joins lists and prints `-`.
 */
export type Row = Record<string, string | number | boolean | string[] | null>;

/** What the rows are made of: the server's stream and consumer infos. */
export interface InventoryInput {
  streams: { config: ApiConfig; state: { messages: number; bytes: number; consumer_count: number }; cluster?: { leader?: string } }[];
  consumers: { stream: string; name: string; config: ApiConfig; num_pending: number; num_ack_pending: number; num_redelivered: number; num_waiting: number }[];
}

/** A JetStream duration (ns) as a Go duration; null when unset (0: no limit). */
const dur = (v: unknown): string | null => (typeof v === 'number' && v > 0 ? formatDuration(v) : null);
const owner = (c: ApiConfig): string | null => metadataValue(c, OWNER_KEY) ?? null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The streams of `kind` (Stream, KeyValue or ObjectStore; buckets named without `KV_` / `OBJ_`). */
export function streamRows(live: Pick<InventoryInput, 'streams'>, kind: KindName): Row[] {
  return live.streams.filter((s) => kindOfLiveStream(s.config).kind === kind).map((s) => {
    const c = s.config;
    const name = String(c.name);
    return {
      name: kind === 'Stream' ? name : name.replace(/^(KV|OBJ)_/, ''),
      ...(kind === 'Stream' ? { subjects: (c.subjects as string[] | undefined) ?? [], retention: String(c.retention) } : {}),
      ...(kind === 'KeyValue' ? { history: num(c.max_msgs_per_subject), ttl: dur(c.max_age) } : {}),
      storage: String(c.storage),
      replicas: num(c.num_replicas),
      ...(kind === 'Stream' ? { maxAge: dur(c.max_age) } : {}),
      messages: s.state.messages,
      bytes: s.state.bytes,
      ...(kind === 'Stream' ? { consumers: s.state.consumer_count } : {}),
      leader: s.cluster?.leader ?? null,
      owner: owner(c),
    };
  });
}

function filterSubjects(c: ApiConfig): string[] {
  if (typeof c.filter_subject === 'string' && c.filter_subject !== '') return [c.filter_subject];
  return (c.filter_subjects as string[] | undefined) ?? [];
}

/** Every consumer, with its pending counts. */
export function consumerRows(live: Pick<InventoryInput, 'consumers'>): Row[] {
  return live.consumers.map((x) => ({
    stream: x.stream,
    name: x.name,
    type: x.config.deliver_subject ? 'push' : 'pull',
    ack: String(x.config.ack_policy),
    filter: filterSubjects(x.config),
    pending: x.num_pending,
    ackPending: x.num_ack_pending,
    redelivered: x.num_redelivered,
    waiting: x.num_waiting,
    owner: owner(x.config),
  }));
}

/** The account's JetStream usage and limits (the server's account info) as one row. */
export function accountRow(serverVersion: string, info: ApiConfig): Row {
  const limits = (info.limits ?? {}) as Record<string, unknown>;
  return {
    server: serverVersion, memory: num(info.memory), storage: num(info.storage), streams: num(info.streams), consumers: num(info.consumers),
    maxMemory: num(limits.max_memory), maxStorage: num(limits.max_storage), domain: typeof info.domain === 'string' && info.domain ? info.domain : null,
  };
}

/** A row's cell in a text table: lists joined with commas, nothing as `-`. */
export function rowCell(v: Row[string]): string {
  if (Array.isArray(v)) return v.length ? v.join(',') : '-';
  return v === null || v === '' ? '-' : String(v);
}
